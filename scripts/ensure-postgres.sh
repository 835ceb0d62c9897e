#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers at $L2L_PG_HOST:$L2L_PG_PORT and that the
# project's role exists. Installs Debian's package and starts a cluster when
# nothing is there. Skipped entirely when L2L_EXTERNAL_DB=1 (bring your own).
source "$(dirname "$0")/env.sh"

if [[ "${L2L_EXTERNAL_DB:-0}" == "1" ]]; then
  log "using external PostgreSQL at DATABASE_URL"; exit 0
fi

if ! command -v pg_ctlcluster >/dev/null || [[ -z "$(ls /usr/lib/postgresql/*/bin/postgres 2>/dev/null)" ]]; then
  log "installing PostgreSQL from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi

if ! pg_isready -q -h "$L2L_PG_HOST" -p "$L2L_PG_PORT"; then
  read -r ver cluster _ < <(pg_lsclusters --no-header | head -n 1)
  if [[ -z "${ver:-}" ]]; then
    ver="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"; cluster=main
    pg_createcluster "$ver" "$cluster" --port "$L2L_PG_PORT" >/dev/null
  fi
  log "starting PostgreSQL cluster $ver/$cluster"
  pg_ctlcluster "$ver" "$cluster" start
  for _ in $(seq 1 30); do pg_isready -q -h "$L2L_PG_HOST" -p "$L2L_PG_PORT" && break; sleep 1; done
fi

# Room for the production Temporal server's pools beside the tests' (the default is 100 connections).
if (( $(su postgres -c "psql -p $L2L_PG_PORT -tAc 'SHOW max_connections'") < 300 )); then
  log "raising PostgreSQL max_connections to 300 (restart)"
  su postgres -c "psql -q -p $L2L_PG_PORT -c 'ALTER SYSTEM SET max_connections = 300'"
  read -r ver cluster _ < <(pg_lsclusters --no-header | head -n 1)
  pg_ctlcluster "$ver" "$cluster" restart
  for _ in $(seq 1 30); do pg_isready -q -h "$L2L_PG_HOST" -p "$L2L_PG_PORT" && break; sleep 1; done
fi

# Role with CREATEDB so tests can make and drop their own databases.
su postgres -c "psql -q -p $L2L_PG_PORT -v ON_ERROR_STOP=1" <<SQL
SET client_min_messages = warning;
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$L2L_DB_USER') THEN
    CREATE ROLE $L2L_DB_USER LOGIN CREATEDB PASSWORD '$L2L_DB_PASSWORD';
  END IF;
END \$\$;
-- A test's DROP DATABASE … WITH (FORCE) must also end an autovacuum worker busy in that database
-- (it runs as no role, so only pg_signal_backend may end it); without this, a drop fails now and then.
GRANT pg_signal_backend TO $L2L_DB_USER;
SQL
if ! su postgres -c "psql -p $L2L_PG_PORT -tAc \"SELECT 1 FROM pg_database WHERE datname='l2l'\"" | grep -q 1; then
  su postgres -c "createdb -p $L2L_PG_PORT -O $L2L_DB_USER l2l"
fi
log "PostgreSQL ready at $L2L_PG_HOST:$L2L_PG_PORT"
