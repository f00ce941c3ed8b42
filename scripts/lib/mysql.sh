# shellcheck shell=bash
# MySQL on its own data directory, for the tests of MySQL sources. Debian 12 ships MariaDB only, so MySQL's
# server comes from Debian's unstable suite: its packages are checked against the archive's signatures and
# unpacked into the cache (scripts/lib/debian-unpack.py), never installed on the system, and mysqld runs with
# that suite's own loader and libraries. Started only when named (`scripts/stack up mysql`).

: "${SMELTER_MYSQL_PORT:=13307}"
: "${SMELTER_MYSQL_DATA:=${SMELTER_STACK_DIR}/mysql/data}"
: "${SMELTER_DEBIAN_MIRROR:=http://deb.debian.org/debian}"

MYSQL_SUITE=sid
MYSQL_HOME="${SMELTER_CACHE_DIR}/mysql-${MYSQL_SUITE}"
MYSQL_ROOT="$(dirname "$SMELTER_MYSQL_DATA")"
MYSQL_SOCKET="${MYSQL_ROOT}/mysqld.sock"
MYSQL_LOG="$(log_file mysql)"
# mysqld and the libraries it needs in versions newer than Debian 12's (glibc, libstdc++, ICU, protobuf, ...).
MYSQL_PACKAGES=(mysql-server-core libc6 libstdc++6 libgcc-s1 libicu78 libprotobuf-lite32t64 libprotobuf32t64
  libaio1t64 libmecab2 libnuma1 libgoogle-perftools4t64 libunwind8 libfido2-1 libcbor0.10 libtirpc3t64
  libssl3t64 liblz4-1 libzstd1 zlib1g)

# The launcher every MySQL server of the stack and of the tests starts from (stack.env's SMELTER_MYSQLD).
mysqld_path() { printf '%s\n' "$MYSQL_HOME/mysqld"; }

mysql_url() { printf 'mysql://smelter:smelter@%s:%s/social\n' "$STACK_HOST" "$SMELTER_MYSQL_PORT"; }

mysql_install() {
  local marker="$MYSQL_HOME/.unpacked" want="${MYSQL_PACKAGES[*]}"
  [[ -f "$marker" && "$(head -n 1 "$marker")" == "$want" && -x "$(mysqld_path)" ]] && return 0
  command -v gpgv >/dev/null || ensure_apt_packages gpgv
  [[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] || ensure_apt_packages debian-archive-keyring
  log "unpacking MySQL from Debian $MYSQL_SUITE into $MYSQL_HOME"
  local tmp="$MYSQL_HOME.tmp.$$" lf
  lf="$(log_file mysql-install)"
  rm -rf "$tmp"
  if ! "$SMELTER_PYTHON" "$STACK_REPO_ROOT/scripts/lib/debian-unpack.py" "$SMELTER_DEBIAN_MIRROR" "$MYSQL_SUITE" \
    "$tmp/root" "${MYSQL_PACKAGES[@]}" >"$tmp.versions" 2>>"$lf"; then
    rm -rf "$tmp" "$tmp.versions"
    show_log_tail "$lf"
    die "could not unpack MySQL from $SMELTER_DEBIAN_MIRROR ($MYSQL_SUITE); see $lf"
  fi
  local lib="$MYSQL_HOME/root/usr/lib/x86_64-linux-gnu"
  cat >"$tmp/mysqld" <<EOF
#!/usr/bin/env bash
# mysqld of Debian $MYSQL_SUITE with its own loader and libraries; the system's for the rest.
exec "$lib/ld-linux-x86-64.so.2" --library-path "$lib:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu" \\
  "$MYSQL_HOME/root/usr/sbin/mysqld" --no-defaults --basedir="$MYSQL_HOME/root/usr" \\
  --lc-messages-dir="$MYSQL_HOME/root/usr/share/mysql" --plugin-dir="$MYSQL_HOME/root/usr/lib/mysql/plugin" "\$@"
EOF
  chmod +x "$tmp/mysqld"
  { printf '%s\n' "$want"; cat "$tmp.versions"; } >"$tmp/.unpacked"
  rm -f "$tmp.versions"
  rm -rf "$MYSQL_HOME"
  mv "$tmp" "$MYSQL_HOME"
  "$(mysqld_path)" --version >>"$lf" 2>&1 || die "the unpacked mysqld does not start: see $lf"
}

mysql_root_sql() { "$(mariadb_bin mariadb)" --no-defaults -uroot --socket="$MYSQL_SOCKET" "$@"; }

mysql_healthy() {
  MYSQL_PWD=smelter "$(mariadb_bin mariadb)" --no-defaults -h "$STACK_HOST" -P "$SMELTER_MYSQL_PORT" \
    -usmelter --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1
}

mysql_init() {
  [[ -d "$SMELTER_MYSQL_DATA/mysql" ]] && return 0
  log "initialising MySQL data directory $SMELTER_MYSQL_DATA"
  rm -rf "$SMELTER_MYSQL_DATA"
  mkdir -p "$(dirname "$SMELTER_MYSQL_DATA")"
  if ! "$(mysqld_path)" --initialize-insecure --datadir="$SMELTER_MYSQL_DATA" --user="$(id -un)" \
    >>"$MYSQL_LOG" 2>&1; then
    rm -rf "$SMELTER_MYSQL_DATA"
    show_log_tail "$MYSQL_LOG"
    die "mysqld --initialize-insecure failed for $SMELTER_MYSQL_DATA"
  fi
}

mysql_ensure_user() { stack_user_sql "CHARACTER SET utf8mb4" | mysql_root_sql; }

mysql_up() {
  if proc_running mysql && mysql_healthy; then
    mysql_ensure_user
    return 0
  fi
  # The stack speaks to it with MariaDB's client, which knows MySQL's caching_sha2_password.
  mariadb_bin mariadb >/dev/null || ensure_apt_packages mariadb-client
  mysql_install
  mysql_init
  if ! proc_running mysql; then
    require_free_port "$SMELTER_MYSQL_PORT" mysql
    log "starting MySQL on $STACK_HOST:$SMELTER_MYSQL_PORT"
    mkdir -p "$MYSQL_ROOT/files"
    proc_start mysql "$(mysqld_path)" --user="$(id -un)" --datadir="$SMELTER_MYSQL_DATA" \
      --bind-address="$STACK_HOST" --port="$SMELTER_MYSQL_PORT" --socket="$MYSQL_SOCKET" \
      --pid-file="$MYSQL_ROOT/mysqld.pid" --log-error="$MYSQL_LOG" --secure-file-priv="$MYSQL_ROOT/files" \
      --mysqlx=OFF --performance-schema=OFF --skip-name-resolve --max-connections=300 \
      --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 --sync-binlog=0 \
      --server-id=1 --log-bin=mysql-bin --gtid-mode=ON --enforce-gtid-consistency=ON --binlog-format=ROW \
      --binlog-row-image=FULL --binlog-row-metadata=FULL --binlog-expire-logs-seconds=259200
  fi
  if ! wait_healthy mysql "$SMELTER_STACK_TIMEOUT" mysql_root_sql -e 'SELECT 1'; then
    show_log_tail "$MYSQL_LOG"
    die "MySQL is not accepting connections on $MYSQL_SOCKET (exited, or not ready after ${SMELTER_STACK_TIMEOUT}s)"
  fi
  mysql_ensure_user
  if ! wait_until 30 mysql_healthy; then
    show_log_tail "$MYSQL_LOG"
    die "MySQL is not answering on $STACK_HOST:$SMELTER_MYSQL_PORT"
  fi
}

mysql_down() {
  proc_running mysql || return 0
  log "stopping MySQL"
  proc_stop mysql 60
}

mysql_logs() { printf '%s\n' "$MYSQL_LOG"; }
