#!/usr/bin/env bash
# Brings up the whole system locally: PostgreSQL, the Temporal dev server with its
# Web UI and our search attributes, the journey worker and the HTTP API.
# Ctrl-C stops what this script started. Journeys persist in .data/temporal.db.
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
  [[ -n "$temporal_pid" ]] && { kill -TERM "$temporal_pid" 2>/dev/null || true; wait "$temporal_pid" 2>/dev/null || true; }
  exit 0
}
trap cleanup EXIT INT TERM

temporal_host="${TEMPORAL_ADDRESS%:*}"; temporal_port="${TEMPORAL_ADDRESS##*:}"
if [[ "${L2L_EXTERNAL_TEMPORAL:-0}" != "1" ]]; then
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
# tsx directly (not npx) so the pid we signal is the process that handles it.
"$ROOT/node_modules/.bin/tsx" workers/main.ts & pids+=($!)
"$ROOT/node_modules/.bin/tsx" api/server.ts & pids+=($!)
# A web form on another origin (as on the OEM's site), posting to the API with a publishable key.
EXAMPLE_FORM_PORT="$EXAMPLE_FORM_PORT" "$ROOT/node_modules/.bin/tsx" webforms/example/main.ts & pids+=($!)

for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$API_PORT/healthz" >/dev/null && break; sleep 1; done
cat >&2 <<MSG

  API           http://127.0.0.1:$API_PORT
  API docs      http://127.0.0.1:$API_PORT/docs
  Workspace     http://127.0.0.1:$API_PORT/workspace   (demo logins, password demo-password-2026:
                sales@mitte.example (salesperson, Autohaus Berlin Mitte), sales@nord.example (sales manager,
                Berlin Nord: settings, people), desk@oem.example (OEM lead desk))
  Web form      http://127.0.0.1:$EXAMPLE_FORM_PORT   (an example form on another origin: posts leads with a publishable key)
  Temporal UI   http://127.0.0.1:$TEMPORAL_UI_PORT   (filter: JourneyStage="QUALIFYING")
  Metrics       http://127.0.0.1:${API_METRICS_PORT:-9464}/metrics (API)   http://${WORKER_METRICS_ADDRESS:-127.0.0.1:9465}/metrics (worker)
  Temporal gRPC $TEMPORAL_ADDRESS   PostgreSQL $DATABASE_URL

  API keys      $DATA_DIR/dev-keys.env   (source it: OEM_KEY, DEALER_KEY, DEALER_NORD_KEY, OPS_KEY)

  Try: source .data/dev-keys.env
       curl -s -XPOST localhost:$API_PORT/v1/leads -H "authorization: Bearer \$OEM_KEY" -H 'content-type: application/json' \\
         -d '{"source":"WEB_FORM","contact":{"email":"ada@example.com","postalCode":"10115"}}'
  Ctrl-C stops everything.
MSG
wait -n "${pids[@]}" ${temporal_pid:+"$temporal_pid"}
