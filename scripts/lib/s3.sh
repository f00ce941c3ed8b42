# shellcheck shell=bash
# S3 emulator: moto's server from a virtualenv built from requirements/moto.lock.txt.
# moto keeps everything in memory: stopping or restarting it empties the landing bucket.

S3_LOG="$(log_file s3)"

s3_url() { printf 'http://%s:%s\n' "$STACK_HOST" "$SMELTER_S3_PORT"; }

# moto does not check signatures, so plain HTTP requests are enough for health and setup.
s3_healthy() {
  curl -fsS --max-time 3 "$(s3_url)/" 2>/dev/null | grep -q ListAllMyBucketsResult
}

s3_ensure_bucket() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -I "$(s3_url)/$SMELTER_S3_BUCKET")"
  [[ "$code" == 200 ]] && return 0
  curl -fsS -o /dev/null --max-time 5 -X PUT "$(s3_url)/$SMELTER_S3_BUCKET" ||
    die "could not create bucket $SMELTER_S3_BUCKET on $(s3_url)"
}

s3_up() {
  if proc_running s3 && s3_healthy; then
    s3_ensure_bucket
    return 0
  fi
  local venv
  venv="$(ensure_venv moto "$STACK_REPO_ROOT/requirements/moto.lock.txt")"
  if ! proc_running s3; then
    require_free_port "$SMELTER_S3_PORT" s3
    log "starting the S3 emulator (moto) on $(s3_url)"
    PYTHONPYCACHEPREFIX="$SMELTER_STACK_DIR/pycache" \
      proc_start s3 "$venv/bin/moto_server" -H "$STACK_HOST" -p "$SMELTER_S3_PORT"
  fi
  if ! wait_healthy s3 "$SMELTER_STACK_TIMEOUT" s3_healthy; then
    show_log_tail "$S3_LOG"
    die "the S3 emulator is not answering on $(s3_url) (exited, or not ready after ${SMELTER_STACK_TIMEOUT}s)"
  fi
  s3_ensure_bucket
}

s3_down() {
  proc_running s3 || return 0
  log "stopping the S3 emulator (its buckets are in memory and are lost)"
  proc_stop s3 15
}

s3_logs() { printf '%s\n' "$S3_LOG"; }
