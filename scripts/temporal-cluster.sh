#!/usr/bin/env bash
# The production Temporal server on PostgreSQL (persistence and SQL visibility, so our search
# attributes and list queries work), as one process with all four services:
#   scripts/temporal-cluster.sh start   schema set up or brought up to date, server started in
#                                       the background, namespace and search attributes registered;
#                                       prints the server's pid
#   scripts/temporal-cluster.sh stop    stops the server this script started
# Where: TEMPORAL_ADDRESS (frontend gRPC; the other services take the next ports), the databases
# $L2L_CLUSTER_DB and ${L2L_CLUSTER_DB}_visibility on the project's PostgreSQL (created here),
# files in $L2L_CLUSTER_DIR. Each of the four services keeps its own pools: L2L_CLUSTER_DB_CONNS
# (10) and L2L_CLUSTER_VISIBILITY_CONNS (5) connections each, up to 60 in all.
source "$(dirname "$0")/env.sh"
cd "$ROOT"

CLUSTER_DIR="${L2L_CLUSTER_DIR:-$DATA_DIR/cluster}"
CLUSTER_DB="${L2L_CLUSTER_DB:-l2l_temporal}"
host="${TEMPORAL_ADDRESS%:*}"; port="${TEMPORAL_ADDRESS##*:}"
pid_file="$CLUSTER_DIR/temporal-server.pid"

stop() {
  [[ -f "$pid_file" ]] || return 0
  local pid; pid="$(cat "$pid_file")"
  if kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
}

sql_tool() {
  "$TEMPORAL_SQL_TOOL" --plugin postgres12 --endpoint "$L2L_PG_HOST" --port "$L2L_PG_PORT" \
    --user "$L2L_DB_USER" --password "$L2L_DB_PASSWORD" "$@"
}

# Creates the database when missing, then brings its schema to the newest version (both idempotent).
schema() {
  local db="$1" name="$2"
  local out="$CLUSTER_DIR/schema.log"
  sql_tool --database "$db" create-database >>"$out" 2>&1 || true
  sql_tool --database "$db" setup-schema -v 0.0 >>"$out" 2>&1 || { log "schema setup of $db failed; see $out"; exit 1; }
  sql_tool --database "$db" update-schema --schema-name "$name" >>"$out" 2>&1 || { log "schema update of $db failed; see $out"; exit 1; }
}

config() {
  # Ports after the frontend's, as the server's own development configs space them.
  cat > "$CLUSTER_DIR/temporal.yaml" <<YAML
log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: ${L2L_CLUSTER_SHARDS:-4}
  datastores:
    default:
      sql: &sql
        pluginName: postgres12
        databaseName: "$CLUSTER_DB"
        connectAddr: "$L2L_PG_HOST:$L2L_PG_PORT"
        connectProtocol: tcp
        user: "$L2L_DB_USER"
        password: "$L2L_DB_PASSWORD"
        maxConns: ${L2L_CLUSTER_DB_CONNS:-10}
        maxIdleConns: ${L2L_CLUSTER_DB_CONNS:-10}
        maxConnLifetime: 1h
    visibility:
      sql:
        <<: *sql
        databaseName: "${CLUSTER_DB}_visibility"
        maxConns: ${L2L_CLUSTER_VISIBILITY_CONNS:-5}
        maxIdleConns: ${L2L_CLUSTER_VISIBILITY_CONNS:-5}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "$host"
services:
  frontend: { rpc: { grpcPort: $port, membershipPort: $((port - 300)), bindOnIP: "$host", httpPort: $((port + 10)) } }
  history: { rpc: { grpcPort: $((port + 1)), membershipPort: $((port - 299)), bindOnIP: "$host" } }
  matching: { rpc: { grpcPort: $((port + 2)), membershipPort: $((port - 298)), bindOnIP: "$host" } }
  worker: { rpc: { grpcPort: $((port + 6)), membershipPort: $((port - 294)), bindOnIP: "$host" } }
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "$TEMPORAL_ADDRESS"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: "$CLUSTER_DIR/dynamicconfig.yaml"
  pollInterval: 10s
YAML
  # New search attributes are seen by the next list query at once (as on the dev server).
  cat > "$CLUSTER_DIR/dynamicconfig.yaml" <<'YAML'
system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
YAML
}

start() {
  # The server's PostgreSQL schema keeps membership ports as smallint: above 32767 it dies at start.
  if (( port + 10 > 32767 || port < 1324 )); then
    log "TEMPORAL_ADDRESS port $port: the server's services take $((port - 300))..$((port + 10)); keep them within 1024..32767"; exit 2
  fi
  bash scripts/ensure-postgres.sh
  bash scripts/ensure-tools.sh cluster
  mkdir -p "$CLUSTER_DIR"
  stop
  log "Temporal schema on PostgreSQL: $CLUSTER_DB, ${CLUSTER_DB}_visibility"
  schema "$CLUSTER_DB" postgresql/v12/temporal
  schema "${CLUSTER_DB}_visibility" postgresql/v12/visibility
  config
  "$TEMPORAL_SERVER" --config-file "$CLUSTER_DIR/temporal.yaml" --allow-no-auth start >"$CLUSTER_DIR/temporal-server.log" 2>&1 &
  echo $! > "$pid_file"
  for _ in $(seq 1 90); do
    "$TEMPORAL_CLI" operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1 && break; sleep 1
  done
  "$TEMPORAL_CLI" operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null || { log "the Temporal server did not start; see $CLUSTER_DIR/temporal-server.log"; exit 1; }
  if ! "$TEMPORAL_CLI" operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1; then
    "$TEMPORAL_CLI" operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" --retention 7d >/dev/null
  fi
  # A new namespace reaches the frontend's namespace cache within seconds.
  for _ in $(seq 1 30); do
    "$TEMPORAL_CLI" operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" >/dev/null 2>&1 && break; sleep 1
  done
  local known; known="$("$TEMPORAL_CLI" operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$TEMPORAL_NAMESPACE" 2>/dev/null || true)"
  for sa in "${JOURNEY_SEARCH_ATTRIBUTES[@]}"; do
    local name="${sa%%=*}"
    grep -qw "$name" <<<"$known" || "$TEMPORAL_CLI" operator search-attribute create --address "$TEMPORAL_ADDRESS" \
      --namespace "$TEMPORAL_NAMESPACE" --name "$name" --type "${sa##*=}" >/dev/null
  done
  log "Temporal server $TEMPORAL_SERVER_VERSION at $TEMPORAL_ADDRESS (PostgreSQL), namespace $TEMPORAL_NAMESPACE"
  cat "$pid_file"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
