# shellcheck shell=bash
# stack.env: every address and credential of the stack as `export K=V` lines, for tests, the demo and
# the service to `source`.

stack_env_content() {
  local pg
  pg="$(postgres_url)"
  cat <<EOF
# Written by scripts/stack up; do not edit (it is rewritten on every up).
export SMELTER_STACK_DIR='$SMELTER_STACK_DIR'
export SMELTER_PG_HOST='$STACK_HOST'
export SMELTER_PG_PORT='$SMELTER_PG_PORT'
export SMELTER_PG_USER='smelter'
export SMELTER_PG_PASSWORD='smelter'
export SMELTER_PG_URL='$pg'
export SMELTER_STATE_URL='$pg/smelter'
export SMELTER_WAREHOUSE_URL='$pg/warehouse'
export SMELTER_MARIADB_HOST='$STACK_HOST'
export SMELTER_MARIADB_PORT='$SMELTER_MARIADB_PORT'
export SMELTER_MARIADB_USER='smelter'
export SMELTER_MARIADB_PASSWORD='smelter'
export SMELTER_MARIADB_DATABASE='social'
export SMELTER_MARIADB_URL='$(mariadb_url)'
export SMELTER_MYSQL_HOST='$STACK_HOST'
export SMELTER_MYSQL_PORT='$SMELTER_MYSQL_PORT'
export SMELTER_MYSQL_USER='smelter'
export SMELTER_MYSQL_PASSWORD='smelter'
export SMELTER_MYSQL_DATABASE='social'
export SMELTER_MYSQL_URL='$(mysql_url)'
export SMELTER_MYSQLD='$(mysqld_path)'
export AWS_ACCESS_KEY_ID='smelter'
export AWS_SECRET_ACCESS_KEY='smelter-secret'
export AWS_REGION='us-east-1'
export SMELTER_S3_ENDPOINT='$(s3_url)'
export SMELTER_S3_BUCKET='$SMELTER_S3_BUCKET'
export SMELTER_AIRFLOW_URL='$(airflow_url)'
export SMELTER_AIRFLOW_USER='admin'
export SMELTER_AIRFLOW_PASSWORD='admin'
export SMELTER_AIRFLOW_VENV='$(airflow_venv_path)'
export SMELTER_AIRFLOW_HOME='$SMELTER_AIRFLOW_HOME'
export SMELTER_DAGS_FOLDER='$AIRFLOW_DAGS_FOLDER'
export SMELTER_PORT='$SMELTER_PORT'
export SMELTER_SERVICE_URL='$(service_url)'
export SMELTER_API_TOKEN='$SMELTER_API_TOKEN'
export SMELTER_SPARK_HOST='$STACK_HOST'
export SMELTER_SPARK_PORT='$SMELTER_SPARK_PORT'
export SMELTER_SPARK_USER='smelter'
export SMELTER_SPARK_PASSWORD='smelter'
export SMELTER_SPARK_WAREHOUSE='$SMELTER_SPARK_WAREHOUSE'
EOF
}

write_stack_env() {
  local tmp="$STACK_ENV_FILE.tmp.$$"
  stack_env_content >"$tmp"
  mv -f "$tmp" "$STACK_ENV_FILE"
}
