#!/usr/bin/env bash
# `npm run build`: the processes as JavaScript under dist/ (run with `node dist/workers/main.js`,
# `node dist/api/server.js`), the prebuilt workflow bundles, and the files the code reads at run time.
source "$(dirname "$0")/env.sh"
cd "$ROOT"
rm -rf dist
log "compiling TypeScript into dist/"
npx tsc -p tsconfig.build.json
log "bundling the workflows"
"$ROOT/node_modules/.bin/tsx" scripts/bundle-workflows.ts dist
# Templates, scripts and styles the workspace and the example form read next to their modules.
cp -r api/workspace/views api/workspace/assets dist/api/workspace/
cp -r api/customer-page/views api/customer-page/my.css dist/api/customer-page/
cp webforms/example/form.html dist/webforms/example/
log "built: node dist/workers/main.js, node dist/api/server.js"
