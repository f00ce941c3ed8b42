# shellcheck shell=bash
# The smelter service (`node bin/smelter.js serve`) of this checkout, started only when asked for.
# It keeps its state in the stack's PostgreSQL, so PostgreSQL is brought up first.

source "$STACK_REPO_ROOT/scripts/lib/node.sh"

SERVICE_LOG="$(log_file service)"
SERVICE_ROOT_FILE="$STACK_RUN_DIR/service.root"

service_url() { printf 'http://%s:%s\n' "$STACK_HOST" "$SMELTER_PORT"; }

service_healthy() {
  [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$(service_url)/healthz")" == 200 ]]
}

# The running service holds the code and the Node.js it was started with: another checkout, sources edited
# since it started, or another node than the one ensure_node chose mean it must be restarted to serve what the
# tests are testing.
service_stale() {
  [[ "$(cat "$SERVICE_ROOT_FILE" 2>/dev/null)" != "$STACK_REPO_ROOT" ]] && return 0
  local pf pid
  pid="$(recorded_pid service)" || return 0
  [[ "$(readlink "/proc/$pid/exe")" != "$(readlink -f "$(command -v node)")" ]] && return 0
  pf="$(pid_file service)"
  (cd "$STACK_REPO_ROOT" &&
    find src bin package-lock.json -newer "$pf" -type f -print -quit 2>/dev/null | grep -q .)
}

service_up() {
  ensure_node || die "no Node.js 22 or newer to run the smelter service on"
  postgres_up
  if proc_running service; then
    if service_stale; then
      log "the running smelter service is from another checkout, older sources or another Node.js; restarting it"
      service_down
    elif service_healthy; then
      return 0
    fi
  fi
  if ! proc_running service; then
    require_free_port "$SMELTER_PORT" service
    [[ -d "$STACK_REPO_ROOT/node_modules" ]] || die "node_modules is missing in $STACK_REPO_ROOT; run npm ci first"
    log "starting the smelter service on $(service_url)"
    printf '%s\n' "$STACK_REPO_ROOT" >"$SERVICE_ROOT_FILE"
    (cd "$STACK_REPO_ROOT" && source "$STACK_ENV_FILE" && proc_start service node bin/smelter.js serve)
  fi
  if ! wait_healthy service "$SMELTER_STACK_TIMEOUT" service_healthy; then
    show_log_tail "$SERVICE_LOG"
    proc_running service || die "the smelter service exited during start (log: $SERVICE_LOG)"
    die "the smelter service is not answering GET $(service_url)/healthz after ${SMELTER_STACK_TIMEOUT}s"
  fi
}

service_down() {
  proc_running service || return 0
  log "stopping the smelter service"
  proc_stop service 20
}

service_logs() { printf '%s\n' "$SERVICE_LOG"; }
