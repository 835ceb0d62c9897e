#!/usr/bin/env bash
# The whole test suite: sets up what it needs (first run builds the Temporal CLI
# and installs PostgreSQL), then typecheck, lint, and vitest against a real
# Temporal dev server and a fresh PostgreSQL database.
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh

log "typecheck"
npx tsc --noEmit -p .
log "lint"
npx eslint --max-warnings 0 .
log "tests"
npx vitest run "$@"
