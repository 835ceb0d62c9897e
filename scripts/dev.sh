#!/usr/bin/env bash
# Brings up the whole system locally: PostgreSQL, the Temporal dev server with its
# Web UI and our search attributes, the journey worker and the HTTP API.
# Ctrl-C stops what this script started. Journeys persist in .data/temporal.db.
# L2L_TEMPORAL=cluster: the production Temporal server on PostgreSQL instead (scripts/
# temporal-cluster.sh), and the processes compiled (npm run build) and run under node:
# two workers and two APIs (the second on the next port).
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh
[[ "${L2L_SEED_DEV:-1}" == "1" ]] && "$ROOT/node_modules/.bin/tsx" scripts/seed-dev.ts

mkdir -p "$DATA_DIR"
pids=()          # app processes (worker, API)
temporal_pid=""
cleanup() {
  trap - EXIT INT TERM
  log "stopping (worker drains first, then Temporal)"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  [[ -n "${ui_pid:-}" ]] && kill -TERM "$ui_pid" 2>/dev/null || true
  if [[ "${mode:-dev}" == "cluster" && -n "$temporal_pid" ]]; then bash scripts/temporal-cluster.sh stop
  elif [[ -n "$temporal_pid" ]]; then kill -TERM "$temporal_pid" 2>/dev/null || true; wait "$temporal_pid" 2>/dev/null || true; fi
  exit 0
}
trap cleanup EXIT INT TERM

mode="${L2L_TEMPORAL:-dev}"
[[ "$mode" == "dev" || "$mode" == "cluster" ]] || { log "L2L_TEMPORAL is dev or cluster, not $mode"; exit 2; }
temporal_host="${TEMPORAL_ADDRESS%:*}"; temporal_port="${TEMPORAL_ADDRESS##*:}"
ui_pid=""
if [[ "$mode" == "cluster" && "${L2L_EXTERNAL_TEMPORAL:-0}" != "1" ]]; then
  temporal_pid="$(bash scripts/temporal-cluster.sh start | tail -n 1)"
  # The Web UI server, pointed at it.
  bash scripts/ensure-tools.sh ui
  mkdir -p "$DATA_DIR/cluster/ui/config"
  printf 'temporalGrpcAddress: %s\nhost: 127.0.0.1\nport: %s\nenableUi: true\ndefaultNamespace: %s\ncors:\n  cookieInsecure: true\n  allowOrigins: []\n' \
    "$TEMPORAL_ADDRESS" "$TEMPORAL_UI_PORT" "$TEMPORAL_NAMESPACE" > "$DATA_DIR/cluster/ui/config/development.yaml"
  "$TEMPORAL_UI" --root "$DATA_DIR/cluster/ui" --env development start >"$DATA_DIR/cluster/temporal-ui.log" 2>&1 &
  ui_pid=$!
elif [[ "${L2L_EXTERNAL_TEMPORAL:-0}" != "1" ]]; then
  sa_args=(); for sa in "${JOURNEY_SEARCH_ATTRIBUTES[@]}"; do sa_args+=(--search-attribute "$sa"); done
  "$TEMPORAL_CLI" server start-dev --ip "$temporal_host" --port "$temporal_port" --ui-port "$TEMPORAL_UI_PORT" \
    --namespace "$TEMPORAL_NAMESPACE" --db-filename "$DATA_DIR/temporal.db" --log-level warn "${sa_args[@]}" \
    >"$DATA_DIR/temporal.log" 2>&1 &
  temporal_pid=$!
  for _ in $(seq 1 60); do
    "$TEMPORAL_CLI" operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 && break; sleep 1
  done
  "$TEMPORAL_CLI" operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null || { log "Temporal did not start; see $DATA_DIR/temporal.log"; exit 1; }
  # A dev database from before a search attribute was added keeps its old list: add what is missing.
  known="$("$TEMPORAL_CLI" operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" 2>/dev/null || true)"
  for sa in "${JOURNEY_SEARCH_ATTRIBUTES[@]}"; do
    name="${sa%%=*}"
    grep -qw "$name" <<<"$known" || "$TEMPORAL_CLI" operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" --name "$name" --type "${sa##*=}" >/dev/null
  done
fi

# Readable logs in the terminal (LOG_FORMAT=json for raw JSON).
export LOG_FORMAT="${LOG_FORMAT:-pretty}"
# The dev stack says so explicitly: dev secrets, plain-HTTP cookies, webhooks to localhost, no captcha.
# Outside it the API and worker refuse to start without real secrets (platform/config.ts).
export L2L_DEVELOPMENT="${L2L_DEVELOPMENT:-true}"
if [[ "$mode" == "cluster" ]]; then
  # As in production: compiled JavaScript under node, the prebuilt workflow bundle, two of each.
  bash scripts/build.sh
  # The second API takes the next port; the example form moves one further when it sat there.
  [[ "$EXAMPLE_FORM_PORT" == "$((API_PORT + 1))" ]] && EXAMPLE_FORM_PORT=$((API_PORT + 2))
  run=(node)
  entry() { echo "dist/$1.js"; }
  worker_metrics_port="${WORKER_METRICS_ADDRESS:-127.0.0.1:9465}"; worker_metrics_port="${worker_metrics_port##*:}"
  WORKER_METRICS_ADDRESS="127.0.0.1:$worker_metrics_port" node dist/workers/main.js & pids+=($!)
  WORKER_METRICS_ADDRESS="127.0.0.1:$((worker_metrics_port + 2))" node dist/workers/main.js & pids+=($!)
  node dist/api/server.js & pids+=($!)
  API_PORT=$((API_PORT + 1)) API_METRICS_PORT=$((${API_METRICS_PORT:-9464} + 2)) node dist/api/server.js & pids+=($!)
else
  # node with tsx's loader in-process (not the tsx CLI, which runs the code in a child process):
  # the pid we signal is the process that handles it.
  run=(node --import tsx)
  entry() { echo "$1.ts"; }
  node --import tsx workers/main.ts & pids+=($!)
  node --import tsx api/server.ts & pids+=($!)
fi
# A web form on another origin (as on the OEM's site), posting to the API with a publishable key.
EXAMPLE_FORM_PORT="$EXAMPLE_FORM_PORT" "${run[@]}" "$(entry webforms/example/main)" & pids+=($!)

for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$API_PORT/healthz" >/dev/null && break; sleep 1; done
if [[ "$mode" == "cluster" ]]; then
  for _ in $(seq 1 30); do curl -fs "http://127.0.0.1:$((API_PORT + 1))/healthz" >/dev/null && break; sleep 1; done
  temporal_line="Temporal      the production server $TEMPORAL_SERVER_VERSION on PostgreSQL at $TEMPORAL_ADDRESS (log: $DATA_DIR/cluster/temporal-server.log)
                two workers and two APIs, compiled (dist/), run under node; the second API: http://127.0.0.1:$((API_PORT + 1))
                Temporal UI http://127.0.0.1:$TEMPORAL_UI_PORT   (the UI server $TEMPORAL_UI_VERSION; filter: JourneyStage=\"QUALIFYING\")"
else
  temporal_line="Temporal UI   http://127.0.0.1:$TEMPORAL_UI_PORT   (filter: JourneyStage=\"QUALIFYING\")"
fi
cat >&2 <<MSG

  API           http://127.0.0.1:$API_PORT
  API docs      http://127.0.0.1:$API_PORT/docs
  Workspace     http://127.0.0.1:$API_PORT/workspace   (demo logins, password demo-password-2026:
                sales@mitte.example (salesperson, Autohaus Berlin Mitte), sales@nord.example (sales manager,
                Berlin Nord: settings, people), desk@oem.example (OEM lead desk: sets up a TOTP app at its first login))
  Web form      http://127.0.0.1:$EXAMPLE_FORM_PORT   (an example form on another origin: posts leads with a publishable key)
  $temporal_line
  Metrics       http://127.0.0.1:${API_METRICS_PORT:-9464}/metrics (API)   http://${WORKER_METRICS_ADDRESS:-127.0.0.1:9465}/metrics (worker)
  Temporal gRPC $TEMPORAL_ADDRESS   PostgreSQL $DATABASE_URL

  API keys      $DATA_DIR/dev-keys.env   (source it: OEM_KEY, DEALER_KEY, DEALER_NORD_KEY, OPS_KEY)

  Try: source .data/dev-keys.env
       curl -s -XPOST localhost:$API_PORT/v1/leads -H "authorization: Bearer \$OEM_KEY" -H 'content-type: application/json' \\
         -d '{"source":"WEB_FORM","contact":{"email":"ada@example.com","postalCode":"10115"}}'
  Ctrl-C stops everything.
MSG
# (The cluster's server is not this shell's child: watch the app processes.)
if [[ "$mode" == "cluster" ]]; then wait -n "${pids[@]}"; else wait -n "${pids[@]}" ${temporal_pid:+"$temporal_pid"}; fi
