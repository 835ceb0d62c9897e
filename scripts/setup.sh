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
  # prisma generate (6.19) fetches the Node-API query engine even for engineType "client", whose
  # client never loads it (it runs on @prisma/adapter-pg); no download site is reachable here, so
  # it gets a placeholder to find. Migrations use the WASM schema engine (prisma.config.ts).
  mkdir -p "$DATA_DIR"; : > "$DATA_DIR/no-query-engine.so.node"
  PRISMA_QUERY_ENGINE_LIBRARY="${PRISMA_QUERY_ENGINE_LIBRARY:-$DATA_DIR/no-query-engine.so.node}" npx prisma generate >/dev/null
fi
log "applying database migrations"
npx prisma migrate deploy >/dev/null
