# shellcheck shell=bash
# Shared configuration and helpers of scripts/stack. Sourced, never executed.
# Every setting has a default and an environment override; `scripts/stack env` shows the result.

STACK_REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"

: "${SMELTER_STACK_DIR:=/var/tmp/smelter-stack}"
: "${SMELTER_CACHE_DIR:=${HOME}/.cache/smelter}"
: "${SMELTER_STACK_TIMEOUT:=180}"
: "${SMELTER_PG_PORT:=15432}"
: "${SMELTER_PG_DATA:=${SMELTER_STACK_DIR}/postgres/data}"
: "${SMELTER_MARIADB_PORT:=13306}"
: "${SMELTER_MARIADB_DATA:=${SMELTER_STACK_DIR}/mariadb/data}"
: "${SMELTER_S3_PORT:=19000}"
: "${SMELTER_S3_BUCKET:=smelter-landing}"
: "${SMELTER_AIRFLOW_PORT:=18080}"
: "${SMELTER_AIRFLOW_HOME:=${SMELTER_STACK_DIR}/airflow}"
: "${SMELTER_AIRFLOW_API_WORKERS:=1}"
: "${SMELTER_PORT:=18300}"
: "${SMELTER_API_TOKEN:=dev-token}"
: "${SMELTER_PYTHON:=$(command -v python3.11 || command -v python3 || echo python3)}"

STACK_LOG_DIR="${SMELTER_STACK_DIR}/logs"
STACK_RUN_DIR="${SMELTER_STACK_DIR}/run"
STACK_ENV_FILE="${SMELTER_STACK_DIR}/stack.env"
STACK_VENV_DIR="${SMELTER_CACHE_DIR}/venvs"

# All components listen on loopback only.
STACK_HOST=127.0.0.1

log() { printf '[stack] %s\n' "$*" >&2; }
die() {
  printf '[stack] error: %s\n' "$*" >&2
  exit 1
}

is_root() { [[ "$(id -u)" == 0 ]]; }

# Prints the last lines of a log file, so a failed start explains itself.
show_log_tail() {
  local file="$1"
  if [[ -f "$file" ]]; then
    printf '[stack] --- last 40 lines of %s ---\n' "$file" >&2
    tail -n 40 "$file" >&2
    printf '[stack] --- end of %s ---\n' "$file" >&2
  fi
}

# Polls a command until it succeeds or the timeout passes. Usage: wait_until SECONDS CMD...
wait_until() {
  local timeout="$1"
  shift
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# Like wait_until, but gives up at once when the process recorded for NAME has exited.
# Usage: wait_healthy NAME SECONDS CMD...
wait_healthy() {
  local name="$1" timeout="$2"
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    proc_running "$name" || return 1
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

sha_of() { sha256sum "$1" | cut -c1-12; }

# --- processes -----------------------------------------------------------------------------------------

pid_file() { printf '%s/%s.pid\n' "$STACK_RUN_DIR" "$1"; }
log_file() { printf '%s/%s.log\n' "$STACK_LOG_DIR" "$1"; }

# Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat; the command name before it
# may contain spaces).
proc_start_time() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  awk '{print $20}' <<<"$stat"
}

# <name>.pid holds the bare pid (tests read it); <name>.start its start time: a pid left over from before a
# reboot or a killed session may belong to an unrelated process by now, and the start time tells them apart.
recorded_pid() {
  local pf pid start=""
  pf="$(pid_file "$1")"
  [[ -s "$pf" ]] || return 1
  read -r pid _ <"$pf"
  kill -0 "$pid" 2>/dev/null || return 1
  [[ -f "${pf%.pid}.start" ]] && start="$(<"${pf%.pid}.start")"
  [[ -z "$start" || "$(proc_start_time "$pid")" == "$start" ]] || return 1
  printf '%s\n' "$pid"
}

# True when the process recorded for NAME is alive.
proc_running() { recorded_pid "$1" >/dev/null; }

# Starts CMD... in its own session (so it outlives this shell and can be stopped as a group),
# appending output to the component's log and recording its pid.
proc_start() {
  local name="$1"
  shift
  local pf lf
  pf="$(pid_file "$name")"
  lf="$(log_file "$name")"
  rm -f "$pf" "${pf%.pid}.start"
  printf '\n[stack] %s starting %s\n' "$(date -u +%FT%TZ)" "$name" >>"$lf"
  # fd 9 is the stack lock: a daemon must not inherit it, or it would hold the lock for its whole life.
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pf" "$@" </dev/null >>"$lf" 2>&1 9>&- &
  local waited=0
  until [[ -s "$pf" ]] || ((waited > 50)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if [[ -s "$pf" ]]; then
    local pid
    read -r pid _ <"$pf"
    proc_start_time "$pid" >"${pf%.pid}.start" || true
  fi
}

# Starts CMD... as proc_start does, and starts it again whenever it exits, as a service manager would (systemd's
# Restart=always, a Kubernetes pod's restartPolicy): the recorded pid is the loop's, so proc_stop ends both.
proc_start_restarting() {
  local name="$1"
  shift
  proc_start "$name" bash -c 'while :; do
    "$@"
    status=$?
    printf "\n[stack] %s %s exited with status %s; starting it again in 5 s\n" "$(date -u +%FT%TZ)" "$0" "$status"
    sleep 5
  done' "$name" "$@"
}

# Stops the process group of NAME: TERM, then KILL after a grace period.
proc_stop() {
  local name="$1" grace="${2:-30}"
  local pf pid
  pf="$(pid_file "$name")"
  if ! pid="$(recorded_pid "$name")"; then
    rm -f "$pf" "${pf%.pid}.start"
    return 0
  fi
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  # The whole group: a supervising loop (proc_start_restarting) ends before the component it waits on.
  if ! wait_until "$grace" bash -c "! kill -0 -- -$pid 2>/dev/null"; then
    log "$name did not stop within ${grace}s; killing it"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait_until 10 bash -c "! kill -0 -- -$pid 2>/dev/null" || true
  fi
  rm -f "$pf" "${pf%.pid}.start"
}

# Writes FILE only when CONTENT differs; returns 0 when it changed.
write_if_changed() {
  local file="$1" content="$2"
  [[ -f "$file" && "$(<"$file")" == "$content" ]] && return 1
  printf '%s\n' "$content" >"$file"
}

# Fails with a clear message when a port we are about to use is taken by something we did not start.
require_free_port() {
  local port="$1" who="$2"
  if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
    die "port $STACK_HOST:$port is already in use, but not by this stack's $who (see 'ss -ltnp sport = :$port'); stop that process or choose another port with the matching SMELTER_*_PORT variable"
  fi
}

# --- installing ----------------------------------------------------------------------------------------

APT_UPDATED=0

# Installs the Debian packages that are missing, running `apt-get update` at most once.
# A temporary policy-rc.d keeps the packages' own system services from being started: the stack runs
# its own servers on its own data directories.
ensure_apt_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  ((${#missing[@]} == 0)) && return 0
  local sudo=()
  if ! is_root; then
    command -v sudo >/dev/null || die "missing Debian packages: ${missing[*]}; install them (as root) and retry"
    sudo=(sudo)
  fi
  log "installing Debian packages: ${missing[*]}"
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod +x "$policy"
    own_policy=1
  fi
  local rc=0
  {
    if ((APT_UPDATED == 0)); then
      "${sudo[@]}" apt-get update -qq && APT_UPDATED=1
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  } >>"$(log_file apt)" 2>&1 || rc=$?
  ((own_policy)) && "${sudo[@]}" rm -f "$policy"
  if ((rc != 0)); then
    show_log_tail "$(log_file apt)"
    die "apt-get install ${missing[*]} failed (exit $rc); a retry may help if the package mirror was unreachable"
  fi
}

# Prints the path of a virtualenv built exactly from a lock file, building it when missing.
# Usage: ensure_venv NAME LOCKFILE. The directory is keyed by the lock's hash, so a changed lock gets a
# fresh venv; a marker file tells a complete venv from one whose build was interrupted.
ensure_venv() {
  local name="$1" lock="$2"
  local venv
  venv="${STACK_VENV_DIR}/${name}-$(sha_of "$lock")"
  local marker="$venv/.smelter-complete"
  [[ -f "$marker" ]] && {
    printf '%s\n' "$venv"
    return 0
  }
  mkdir -p "$STACK_VENV_DIR"
  local lf
  lf="$(log_file "venv-$name")"
  rm -rf "$venv"
  log "building the $name virtualenv from ${lock#"$STACK_REPO_ROOT"/} (first run only; takes a minute)"
  if ! "$SMELTER_PYTHON" -m venv "$venv" >>"$lf" 2>&1; then
    rm -rf "$venv"
    ensure_apt_packages python3-venv
    "$SMELTER_PYTHON" -m venv "$venv" >>"$lf" 2>&1 || {
      rm -rf "$venv"
      show_log_tail "$lf"
      die "could not create a virtualenv with $SMELTER_PYTHON"
    }
  fi
  if ! PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/pip" install -q --no-deps -r "$lock" >>"$lf" 2>&1; then
    rm -rf "$venv"
    show_log_tail "$lf"
    die "pip install -r $lock failed; a retry may help if PyPI was unreachable"
  fi
  date -u +%FT%TZ >"$marker"
  printf '%s\n' "$venv"
}
