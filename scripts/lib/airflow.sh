# shellcheck shell=bash
# Apache Airflow 3 from a virtualenv built from requirements/airflow.lock.txt: api-server, scheduler,
# dag-processor and triggerer as separate processes, metadata in the stack's PostgreSQL `airflow` database.
#
# The DAGs folder is the dags-out/ of the checkout this script runs from. Airflow's settings (dags folder
# included) are written to $AIRFLOW_HOME/airflow.cfg and launch.env on every `up`; when they differ from what
# the running processes were started with (another checkout, another port or token), Airflow is restarted.

: "${SMELTER_AIRFLOW_TIMEOUT:=300}"
AIRFLOW_PROCS=(api-server scheduler dag-processor triggerer)
AIRFLOW_LOCK="$STACK_REPO_ROOT/requirements/airflow.lock.txt"
AIRFLOW_PLUGINS_DIR="$STACK_REPO_ROOT/airflow-plugins"
AIRFLOW_DAGS_FOLDER="$STACK_REPO_ROOT/dags-out"

airflow_url() { printf 'http://%s:%s\n' "$STACK_HOST" "$SMELTER_AIRFLOW_PORT"; }

# The venv path is a pure function of the lock file, so stack.env can name it before it is built.
airflow_venv_path() { printf '%s/airflow-%s\n' "$STACK_VENV_DIR" "$(sha_of "$AIRFLOW_LOCK")"; }

airflow_conn_json() {
  printf '{"conn_type":"smelter","host":"%s","port":%s,"schema":"http","password":"%s"}' \
    "$STACK_HOST" "$SMELTER_PORT" "$SMELTER_API_TOKEN"
}

# scheduler_idle_sleep_time: a task whose trigger fired (or whose upstream ended) is queued on the scheduler's
# next loop, and an idle loop sleeps this long first (default 1 s).
# min_heartbeat_interval: a worker reports that a deferring task exited up to this long after it did (default
# 5 s), and the smelter trigger holds its event for twice that (at least interval + 3 s) so that the resumed
# try is not mistaken for a killed one; 1 s keeps a deferral's price to about 4 s.
# default_deferrable: SmelterOperator defers unless a DAG says otherwise (Airflow's default is False).
airflow_cfg() {
  local home="$SMELTER_AIRFLOW_HOME" url
  url="$(airflow_url)"
  cat <<EOF
# Written by scripts/stack on every \`up\`; edits here are overwritten.
[core]
dags_folder = $AIRFLOW_DAGS_FOLDER
executor = LocalExecutor
load_examples = False
fernet_key = YmJbDZONHSAPyoSUrH4R9Zc0pAUGPbRknWf701fII24=
simple_auth_manager_users = admin:admin
simple_auth_manager_passwords_file = $home/simple_auth_manager_passwords.json.generated
execution_api_server_url = $url/execution/

[database]
sql_alchemy_conn = postgresql+psycopg2://smelter:smelter@$STACK_HOST:$SMELTER_PG_PORT/airflow

[logging]
base_log_folder = $home/logs

[api]
host = $STACK_HOST
port = $SMELTER_AIRFLOW_PORT
base_url = $url
workers = $SMELTER_AIRFLOW_API_WORKERS
secret_key = smelter-local-stack-api-secret

[api_auth]
jwt_secret = smelter-local-stack-jwt-secret

[dag_processor]
refresh_interval = 5
min_file_process_interval = 5

[scheduler]
scheduler_idle_sleep_time = 0.5

[workers]
min_heartbeat_interval = 1

[operators]
default_deferrable = True
EOF
}

# Command line of one Airflow process. The log servers of the scheduler and triggerer would listen on all
# interfaces; they are only needed for workers on other machines (here the api-server reads the files).
airflow_proc_args() {
  case "$1" in
  api-server) printf '%s\n' api-server --host "$STACK_HOST" --port "$SMELTER_AIRFLOW_PORT" ;;
  scheduler | triggerer) printf '%s\n' "$1" --skip-serve-logs ;;
  *) printf '%s\n' "$1" ;;
  esac
}

# Environment of every Airflow process, also handy to `source` before running the airflow CLI by hand.
# The process command lines are recorded too, so that changing them restarts Airflow.
airflow_launch_env() {
  local venv="$1" p
  for p in "${AIRFLOW_PROCS[@]}"; do
    printf '# airflow %s\n' "$(airflow_proc_args "$p" | tr '\n' ' ')"
  done
  cat <<EOF
export AIRFLOW_HOME='$SMELTER_AIRFLOW_HOME'
export AIRFLOW_CONN_SMELTER_DEFAULT='$(airflow_conn_json)'
export PYTHONPYCACHEPREFIX='$SMELTER_STACK_DIR/pycache'
export PATH='$venv/bin':"\$PATH"
EOF
}

airflow_token_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"admin"}' "$(airflow_url)/auth/token"
}

airflow_api_healthy() {
  curl -fsS --max-time 5 "$(airflow_url)/api/v2/version" >/dev/null 2>&1 && [[ "$(airflow_token_status)" == 201 ]]
}

airflow_all_running() {
  local p
  for p in "${AIRFLOW_PROCS[@]}"; do
    proc_running "airflow-$p" || return 1
  done
}

airflow_any_running() {
  local p
  for p in "${AIRFLOW_PROCS[@]}"; do
    proc_running "airflow-$p" && return 0
  done
  return 1
}

airflow_healthy() { airflow_all_running && airflow_api_healthy; }

airflow_migrate() {
  local venv="$1" marker="$SMELTER_AIRFLOW_HOME/.migrated" want
  want="$(basename "$venv") $(pg_psql -d postgres -c 'SELECT system_identifier FROM pg_control_system()')"
  [[ -f "$marker" && "$(<"$marker")" == "$want" ]] && return 0
  log "migrating the Airflow metadata database"
  local lf
  lf="$(log_file airflow-migrate)"
  if ! (source "$SMELTER_AIRFLOW_HOME/launch.env" && airflow db migrate) >>"$lf" 2>&1; then
    show_log_tail "$lf"
    die "airflow db migrate failed"
  fi
  printf '%s\n' "$want" >"$marker"
}

# Installs airflow-plugins/ (editable) when its pyproject.toml or checkout changed; returns 0 when it did.
airflow_install_plugins() {
  local venv="$1"
  [[ -f "$AIRFLOW_PLUGINS_DIR/pyproject.toml" ]] || return 1
  local marker="$venv/.smelter-plugins" want
  want="$AIRFLOW_PLUGINS_DIR $(sha_of "$AIRFLOW_PLUGINS_DIR/pyproject.toml")"
  [[ -f "$marker" && "$(<"$marker")" == "$want" ]] && return 1
  log "installing airflow-plugins into the Airflow virtualenv (editable)"
  local lf
  lf="$(log_file airflow-plugins-install)"
  if ! PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONPYCACHEPREFIX="$SMELTER_STACK_DIR/pycache" \
    "$venv/bin/pip" install -q --no-deps -e "$AIRFLOW_PLUGINS_DIR" >>"$lf" 2>&1; then
    show_log_tail "$lf"
    die "pip install -e airflow-plugins failed (see $lf)"
  fi
  printf '%s\n' "$want" >"$marker"
}

# Plugins are imported when a process starts, so plugin sources newer than the running api-server mean
# the processes hold stale code.
airflow_plugins_changed_since_start() {
  [[ -d "$AIRFLOW_PLUGINS_DIR" ]] || return 1
  local pf
  pf="$(pid_file airflow-api-server)"
  [[ -f "$pf" ]] || return 1
  find "$AIRFLOW_PLUGINS_DIR" -name '*.py' -not -path '*/tests/*' -newer "$pf" -print -quit 2>/dev/null | grep -q .
}

airflow_up() {
  local venv restart=0
  venv="$(ensure_venv airflow "$AIRFLOW_LOCK")"
  mkdir -p "$SMELTER_AIRFLOW_HOME" "$AIRFLOW_DAGS_FOLDER"
  write_if_changed "$SMELTER_AIRFLOW_HOME/airflow.cfg" "$(airflow_cfg)" && restart=1
  write_if_changed "$SMELTER_AIRFLOW_HOME/launch.env" "$(airflow_launch_env "$venv")" && restart=1
  # Fixed credentials: the simple auth manager keeps `admin`'s password in this file.
  write_if_changed "$SMELTER_AIRFLOW_HOME/simple_auth_manager_passwords.json.generated" '{"admin": "admin"}' &&
    restart=1
  airflow_install_plugins "$venv" && restart=1
  airflow_plugins_changed_since_start && restart=1

  if ((restart == 0)) && airflow_healthy; then
    return 0
  fi
  if ((restart == 1)) && airflow_any_running; then
    log "Airflow settings or plugins changed since its processes started; restarting Airflow"
    airflow_down
  fi
  airflow_migrate "$venv"
  if ! proc_running airflow-api-server; then
    require_free_port "$SMELTER_AIRFLOW_PORT" airflow-api-server
  fi
  local p
  for p in "${AIRFLOW_PROCS[@]}"; do
    proc_running "airflow-$p" && continue
    log "starting airflow $p"
    local args
    mapfile -t args < <(airflow_proc_args "$p")
    # Restarted when it exits: an Airflow component stops on some errors of its own (the dag processor on a
    # StaleDataError when a DAG is deleted while it marks it stale), and the others would run on without it.
    (source "$SMELTER_AIRFLOW_HOME/launch.env" && proc_start_restarting "airflow-$p" airflow "${args[@]}")
  done
  if ! wait_healthy airflow-api-server "$SMELTER_AIRFLOW_TIMEOUT" airflow_api_healthy; then
    show_log_tail "$(log_file airflow-api-server)"
    die "Airflow's API is not answering on $(airflow_url) (exited, or not ready after ${SMELTER_AIRFLOW_TIMEOUT}s)"
  fi
  for p in "${AIRFLOW_PROCS[@]}"; do
    if ! proc_running "airflow-$p"; then
      show_log_tail "$(log_file "airflow-$p")"
      die "airflow $p exited after start"
    fi
  done
}

airflow_down() {
  airflow_any_running || return 0
  log "stopping Airflow"
  local p pids=()
  for p in "${AIRFLOW_PROCS[@]}"; do
    proc_stop "airflow-$p" 30 &
    pids+=($!)
  done
  wait "${pids[@]}"
}

airflow_logs() {
  local p
  for p in "${AIRFLOW_PROCS[@]}"; do
    log_file "airflow-$p"
  done
}
