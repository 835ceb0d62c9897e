#!/usr/bin/env bash
# The whole test suite: sets up what it needs (first run builds the Temporal CLI
# and installs PostgreSQL), then typecheck, lint, and vitest against a real
# Temporal dev server and a fresh PostgreSQL database.
source "$(dirname "$0")/env.sh"
cd "$ROOT"
# Tests also need the time-skipping test server (journeys that span years).
L2L_TOOLS=all bash scripts/setup.sh

log "typecheck"
npx tsc --noEmit -p .
log "lint"
npx eslint --max-warnings 0 .
log "build"
# The processes as production runs them (compiled, prebuilt workflow bundle); test/cluster runs them.
bash scripts/build.sh
log "tests"
# The tests run as the dev stack does (platform/config.ts: dev secrets, loopback webhooks);
# the fail-closed rules themselves are tested with their own environments.
export L2L_DEVELOPMENT=true
mkdir -p "$DATA_DIR"
report="$DATA_DIR/vitest-report.json"
status=0
npx vitest run --reporter=default --reporter=./test/support/file-times.ts --reporter=json --outputFile.json="$report" "$@" || status=$?
# One plain closing line for CI logs, e.g. "Tests: 52 passed, 0 failed".
[[ -f "$report" ]] && node -e 'const r=require(process.argv[1]); console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$report"
exit "$status"
