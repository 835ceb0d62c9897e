#!/usr/bin/env bash
# Everything the system needs, installed or built on first use and reused after:
# npm packages, PostgreSQL, the Temporal CLI, the Prisma client and the schema.
source "$(dirname "$0")/env.sh"
cd "$ROOT"

stamp="node_modules/.package-lock.stamp"
if [[ ! -f "$stamp" ]] || ! cmp -s package-lock.json "$stamp"; then
  log "installing npm packages"
  # npm ci rejects this lock (npm 11 omits other platforms' optional @swc/core entries); install honours it.
  npm install --no-fund --no-audit --prefer-offline --loglevel=error
  cp package-lock.json "$stamp"
fi

bash scripts/ensure-postgres.sh
bash scripts/ensure-tools.sh "${L2L_TOOLS:-cli}"

if [[ ! -f generated/prisma/client.ts ]] || [[ prisma/schema.prisma -nt generated/prisma/client.ts ]]; then
  log "generating the Prisma client"
  npx prisma generate >/dev/null
fi
log "applying database migrations"
npx prisma migrate deploy >/dev/null
