# shellcheck shell=bash
# PostgreSQL 15 on its own data directory (initdb / pg_ctl), never the distribution's cluster.
# When we are root the server runs as the `postgres` OS user, as PostgreSQL refuses to run as root.

: "${SMELTER_PG_BIN:=/usr/lib/postgresql/15/bin}"
PG_ROOT="$(dirname "$SMELTER_PG_DATA")"
PG_SOCKET_DIR="${PG_ROOT}/run"
PG_LOG="$(log_file postgres)"

pg_as_owner() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_psql() {
  PGPASSWORD=smelter "$SMELTER_PG_BIN/psql" -h "$STACK_HOST" -p "$SMELTER_PG_PORT" -U smelter \
    -v ON_ERROR_STOP=1 -qAt "$@"
}

postgres_url() { printf 'postgres://smelter:smelter@%s:%s\n' "$STACK_HOST" "$SMELTER_PG_PORT"; }

postgres_healthy() {
  "$SMELTER_PG_BIN/pg_isready" -q -h "$STACK_HOST" -p "$SMELTER_PG_PORT" -d postgres -U smelter
}

postgres_running() {
  [[ -f "$SMELTER_PG_DATA/postmaster.pid" ]] && pg_as_owner "$SMELTER_PG_BIN/pg_ctl" status -D "$SMELTER_PG_DATA" >/dev/null 2>&1
}

postgres_init() {
  [[ -f "$SMELTER_PG_DATA/PG_VERSION" ]] && return 0
  log "initialising PostgreSQL data directory $SMELTER_PG_DATA"
  rm -rf "$SMELTER_PG_DATA"
  mkdir -p "$SMELTER_PG_DATA" "$PG_SOCKET_DIR"
  local pwfile="$PG_ROOT/.pwfile"
  printf 'smelter\n' >"$pwfile"
  is_root && chown -R postgres:postgres "$PG_ROOT"
  chmod 700 "$SMELTER_PG_DATA"
  if ! pg_as_owner "$SMELTER_PG_BIN/initdb" -D "$SMELTER_PG_DATA" -U smelter --pwfile="$pwfile" -E UTF8 \
    --locale=C --auth-local=trust --auth-host=scram-sha-256 --no-sync >>"$PG_LOG" 2>&1; then
    rm -rf "$SMELTER_PG_DATA" "$pwfile"
    show_log_tail "$PG_LOG"
    die "initdb failed for $SMELTER_PG_DATA"
  fi
  rm -f "$pwfile"
  # A disposable development server: durability is traded for speed.
  cat >>"$SMELTER_PG_DATA/postgresql.conf" <<'EOF'

# smelter local stack
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 256MB
log_line_prefix = '%m [%p] %q%u@%d '
EOF
}

# Cheap enough to run on every `up`, so a dropped database comes back.
postgres_ensure_databases() {
  pg_psql -d postgres -c "SELECT 'CREATE DATABASE ' || d || ';' FROM unnest(ARRAY['smelter', 'warehouse', 'airflow']) AS d
    WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = d)" | pg_psql -d postgres >/dev/null
}

postgres_up() {
  if postgres_running && postgres_healthy; then
    postgres_ensure_databases
    return 0
  fi
  if [[ ! -x "$SMELTER_PG_BIN/pg_ctl" ]]; then
    ensure_apt_packages postgresql-15
  fi
  mkdir -p "$PG_ROOT"
  touch "$PG_LOG"
  is_root && chown postgres:postgres "$PG_LOG"
  postgres_init
  mkdir -p "$PG_SOCKET_DIR"
  is_root && chown postgres:postgres "$PG_SOCKET_DIR"
  if ! postgres_running; then
    require_free_port "$SMELTER_PG_PORT" postgres
    log "starting PostgreSQL on $STACK_HOST:$SMELTER_PG_PORT"
    pg_as_owner "$SMELTER_PG_BIN/pg_ctl" start -D "$SMELTER_PG_DATA" -l "$PG_LOG" -s -w \
      -t "$SMELTER_STACK_TIMEOUT" \
      -o "-c listen_addresses=$STACK_HOST -p $SMELTER_PG_PORT -k $PG_SOCKET_DIR -c wal_level=logical -c max_replication_slots=32 -c max_wal_senders=32" 9>&- || {
      show_log_tail "$PG_LOG"
      die "PostgreSQL did not start"
    }
  fi
  if ! wait_until "$SMELTER_STACK_TIMEOUT" postgres_healthy; then
    show_log_tail "$PG_LOG"
    die "PostgreSQL is not answering on $STACK_HOST:$SMELTER_PG_PORT after ${SMELTER_STACK_TIMEOUT}s"
  fi
  postgres_ensure_databases
}

postgres_down() {
  postgres_running || return 0
  log "stopping PostgreSQL"
  pg_as_owner "$SMELTER_PG_BIN/pg_ctl" stop -D "$SMELTER_PG_DATA" -m fast -s -w -t 60 || true
}

postgres_logs() { printf '%s\n' "$PG_LOG"; }
