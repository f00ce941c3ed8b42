# shellcheck shell=bash
# MariaDB on its own data directory (mariadb-install-db / mariadbd --no-defaults), never the
# distribution's service, so /etc/mysql settings cannot change what the tests see.

MARIADB_ROOT="$(dirname "$SMELTER_MARIADB_DATA")"
MARIADB_SOCKET="${MARIADB_ROOT}/mariadb.sock"
MARIADB_LOG="$(log_file mariadb)"

mariadb_bin() {
  local name="$1" dir
  for dir in /usr/sbin /usr/bin /usr/local/bin; do
    [[ -x "$dir/$name" ]] && {
      printf '%s\n' "$dir/$name"
      return 0
    }
  done
  return 1
}

mariadb_root_sql() { "$(mariadb_bin mariadb)" --no-defaults -uroot --socket="$MARIADB_SOCKET" "$@"; }

mariadb_url() { printf 'mysql://smelter:smelter@%s:%s/social\n' "$STACK_HOST" "$SMELTER_MARIADB_PORT"; }

mariadb_healthy() {
  MYSQL_PWD=smelter "$(mariadb_bin mariadb-admin)" --no-defaults -h "$STACK_HOST" -P "$SMELTER_MARIADB_PORT" \
    -usmelter --connect-timeout=2 ping >/dev/null 2>&1
}

mariadb_init() {
  [[ -d "$SMELTER_MARIADB_DATA/mysql" ]] && return 0
  log "initialising MariaDB data directory $SMELTER_MARIADB_DATA"
  rm -rf "$SMELTER_MARIADB_DATA"
  mkdir -p "$SMELTER_MARIADB_DATA"
  local user_arg=()
  is_root && user_arg=(--user=root)
  if ! "$(mariadb_bin mariadb-install-db)" --no-defaults --datadir="$SMELTER_MARIADB_DATA" "${user_arg[@]}" \
    --auth-root-authentication-method=normal --skip-test-db >>"$MARIADB_LOG" 2>&1; then
    rm -rf "$SMELTER_MARIADB_DATA"
    show_log_tail "$MARIADB_LOG"
    die "mariadb-install-db failed for $SMELTER_MARIADB_DATA"
  fi
}

# The stack's user and database `social` (created with the options $1), as SQL for the root client of a MariaDB
# or MySQL server.
stack_user_sql() {
  cat <<EOF
CREATE USER IF NOT EXISTS 'smelter'@'127.0.0.1' IDENTIFIED BY 'smelter';
CREATE USER IF NOT EXISTS 'smelter'@'localhost' IDENTIFIED BY 'smelter';
GRANT ALL PRIVILEGES ON *.* TO 'smelter'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'smelter'@'localhost' WITH GRANT OPTION;
CREATE DATABASE IF NOT EXISTS social $1;
EOF
}

mariadb_ensure_user() {
  stack_user_sql "CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" | mariadb_root_sql
}

mariadb_up() {
  if proc_running mariadb && mariadb_healthy; then
    mariadb_ensure_user
    return 0
  fi
  if ! mariadb_bin mariadbd >/dev/null || ! mariadb_bin mariadb >/dev/null; then
    ensure_apt_packages mariadb-server mariadb-client
  fi
  mkdir -p "$MARIADB_ROOT"
  mariadb_init
  if ! proc_running mariadb; then
    require_free_port "$SMELTER_MARIADB_PORT" mariadb
    log "starting MariaDB on $STACK_HOST:$SMELTER_MARIADB_PORT"
    local user_arg=()
    is_root && user_arg=(--user=root)
    proc_start mariadb "$(mariadb_bin mariadbd)" --no-defaults "${user_arg[@]}" \
      --datadir="$SMELTER_MARIADB_DATA" --bind-address="$STACK_HOST" --port="$SMELTER_MARIADB_PORT" \
      --socket="$MARIADB_SOCKET" --pid-file="$MARIADB_ROOT/mariadbd.pid" --log-error="$MARIADB_LOG" \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci --skip-name-resolve \
      --max-connections=300 --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 \
      --server-id=1 --log-bin=mariadb-bin --binlog-format=ROW --binlog-row-image=FULL \
      --binlog-row-metadata=FULL --binlog-expire-logs-seconds=259200
  fi
  if ! wait_healthy mariadb "$SMELTER_STACK_TIMEOUT" mariadb_root_sql -e 'SELECT 1'; then
    show_log_tail "$MARIADB_LOG"
    die "MariaDB is not accepting connections on $MARIADB_SOCKET (exited, or not ready after ${SMELTER_STACK_TIMEOUT}s)"
  fi
  mariadb_ensure_user
  if ! wait_until 30 mariadb_healthy; then
    show_log_tail "$MARIADB_LOG"
    die "MariaDB is not answering on $STACK_HOST:$SMELTER_MARIADB_PORT"
  fi
}

mariadb_down() {
  proc_running mariadb || return 0
  log "stopping MariaDB"
  proc_stop mariadb 60
}

mariadb_logs() { printf '%s\n' "$MARIADB_LOG"; }
