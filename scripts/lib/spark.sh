# shellcheck shell=bash
# Apache Spark 4 with Delta Lake 4: a Spark Thrift server (HiveServer2 protocol, binary TCP, no auth) on
# 127.0.0.1, the warehouse smelter's `kind: spark` connections talk to. pyspark comes from a virtualenv built from
# requirements/spark.lock.txt; Delta, hadoop-aws (s3a, for landed parquet in the S3 emulator) and the PostgreSQL
# JDBC driver come from Maven Central through `--packages`, with the ivy cache under $SMELTER_CACHE_DIR (the AWS
# SDK bundle alone is 558 MB). The metastore is the stack's PostgreSQL database `spark_metastore`; Delta tables
# live under $SMELTER_SPARK_WAREHOUSE (a local directory by default).
#
# Settings are written to $SPARK_CONF_DIR on every `up`; when they differ from what the running server was
# started with, it is restarted. Optional: not part of the default `up`.

: "${SMELTER_SPARK_PORT:=10009}"
: "${SMELTER_SPARK_MEMORY:=3g}"
: "${SMELTER_SPARK_WAREHOUSE:=file://${SMELTER_STACK_DIR}/spark/warehouse}"
: "${SMELTER_SPARK_TIMEOUT:=240}"

SPARK_ROOT="${SMELTER_STACK_DIR}/spark"
SPARK_CONF_DIR_STACK="${SPARK_ROOT}/conf"
SPARK_LOCK="$STACK_REPO_ROOT/requirements/spark.lock.txt"
SPARK_IVY="${SMELTER_CACHE_DIR}/ivy"
SPARK_METASTORE_DB=spark_metastore
SPARK_LOG="$(log_file spark)"

# Maven coordinates: Delta 4.0.0 is the newest Delta built for Spark 4.0; hadoop-aws matches the Hadoop inside
# pyspark 4.0.1 (3.4.1) and brings the AWS SDK bundle it was built with.
SPARK_PACKAGES=(
  io.delta:delta-spark_2.13:4.0.0
  org.apache.hadoop:hadoop-aws:3.4.1
  org.postgresql:postgresql:42.7.5
)

spark_url() { printf 'hive2://%s:%s\n' "$STACK_HOST" "$SMELTER_SPARK_PORT"; }

spark_venv_path() { printf '%s/spark-%s\n' "$STACK_VENV_DIR" "$(sha_of "$SPARK_LOCK")"; }

# Listening is enough: HiveThriftServer2 opens its port only once the Spark session and metastore are up. A
# probe connection without a handshake would only fill the server's log with transport errors.
spark_listening() { ss -Hltn "sport = :$SMELTER_SPARK_PORT" 2>/dev/null | grep -q .; }

spark_healthy() { proc_running spark && spark_listening; }

# The jars the package resolution found (one path a line), recorded by spark_resolve_packages.
spark_jars_file() {
  printf '%s/.smelter-resolved-%s\n' "$SPARK_IVY" "$(printf '%s\n' "${SPARK_PACKAGES[@]}" | sha256sum | cut -c1-12)"
}

# The resolved jars go on the JVM's class path rather than through `spark.jars.packages` at every start: jars
# added at run time are not seen by the Thrift server's session threads (Delta's classes fail to load there) nor
# by java.sql.DriverManager (the metastore's JDBC driver), and a start needs no resolution (offline, ~2 s less).
# They come after Spark's own jars (SPARK_DIST_CLASSPATH), because the AWS SDK bundle carries an slf4j 1.x that
# would otherwise silence Spark's logging.
spark_env_sh() {
  printf '# Written by scripts/stack on every `up`; edits here are overwritten.\n'
  printf "export SPARK_DIST_CLASSPATH='%s'\n" "$(paste -sd: "$(spark_jars_file)")"
}

spark_defaults_conf() {
  cat <<EOF
# Written by scripts/stack on every \`up\`; edits here are overwritten.
spark.master                                 local[2]
spark.app.name                               smelter-thrift-server
spark.driver.memory                          $SMELTER_SPARK_MEMORY
spark.driver.host                            $STACK_HOST
spark.driver.bindAddress                     $STACK_HOST
spark.ui.enabled                             false
spark.local.dir                              $SPARK_ROOT/tmp
spark.sql.extensions                         io.delta.sql.DeltaSparkSessionExtension
spark.sql.catalog.spark_catalog              org.apache.spark.sql.delta.catalog.DeltaCatalog
spark.sql.catalogImplementation              hive
spark.sql.warehouse.dir                      $SMELTER_SPARK_WAREHOUSE
spark.sql.session.timeZone                   UTC
# Small commits on two cores: 200 shuffle partitions (and Delta's 50 snapshot partitions) are mostly overhead.
spark.sql.shuffle.partitions                 2
spark.default.parallelism                    2
spark.databricks.delta.snapshotPartitions    2
# VACUUM lists a table's files in this many tasks (10000 by default: over a minute of empty tasks on two cores).
spark.sql.sources.parallelPartitionDiscovery.parallelism 2
# VACUUM writes no VACUUM START/END commits to the table's history (two commits, seconds each, per VACUUM); the
# maintenance job reports what it vacuumed.
spark.databricks.delta.vacuum.logging.enabled false
# s3a on the stack's S3 emulator: bronze reads landed parquet where it lies.
spark.hadoop.fs.s3a.endpoint                 $(s3_url)
spark.hadoop.fs.s3a.endpoint.region          us-east-1
spark.hadoop.fs.s3a.path.style.access        true
spark.hadoop.fs.s3a.connection.ssl.enabled   false
spark.hadoop.fs.s3a.aws.credentials.provider org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider
spark.hadoop.fs.s3a.access.key               smelter
spark.hadoop.fs.s3a.secret.key               smelter-secret
EOF
}

spark_property() { printf '  <property><name>%s</name><value>%s</value></property>\n' "$1" "$2"; }

spark_hive_site() {
  printf '<?xml version="1.0"?>\n<!-- Written by scripts/stack on every `up`; edits here are overwritten. -->\n<configuration>\n'
  spark_property javax.jdo.option.ConnectionURL \
    "jdbc:postgresql://$STACK_HOST:$SMELTER_PG_PORT/$SPARK_METASTORE_DB"
  spark_property javax.jdo.option.ConnectionDriverName org.postgresql.Driver
  spark_property javax.jdo.option.ConnectionUserName smelter
  spark_property javax.jdo.option.ConnectionPassword smelter
  # The metastore's tables are created on first use; their foreign keys would be added by ALTER TABLE from a second
  # connection while the first holds locks on the referenced tables, a deadlock on PostgreSQL.
  # (autoCreateAll would turn constraints back on).
  spark_property datanucleus.schema.autoCreateAll false
  spark_property datanucleus.schema.autoCreateSchema true
  spark_property datanucleus.schema.autoCreateTables true
  spark_property datanucleus.schema.autoCreateColumns true
  spark_property datanucleus.schema.autoCreateConstraints false
  spark_property hive.metastore.schema.verification false
  spark_property hive.server2.transport.mode binary
  spark_property hive.server2.authentication NONE
  spark_property hive.server2.thrift.bind.host "$STACK_HOST"
  spark_property hive.server2.thrift.port "$SMELTER_SPARK_PORT"
  spark_property hive.exec.scratchdir "$SPARK_ROOT/scratch"
  spark_property hive.exec.local.scratchdir "$SPARK_ROOT/scratch-local"
  spark_property hive.downloaded.resources.dir "$SPARK_ROOT/resources"
  spark_property hive.server2.logging.operation.log.location "$SPARK_ROOT/operation-logs"
  printf '</configuration>\n'
}

# Spark's own log is INFO by default: a few MB per test run. Warnings, plus the server's start and stop.
spark_log4j() {
  cat <<'EOF'
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.thrift.name = org.apache.spark.sql.hive.thriftserver.HiveThriftServer2
logger.thrift.level = info
logger.delta.name = org.apache.spark.sql.delta
logger.delta.level = warn
EOF
}

# Resolves the Maven packages into the ivy cache once (the first run downloads ~600 MB), outside the server's
# start timeout: spark-submit of an empty Python file with --packages resolves them and exits. The jars it found
# (ivy's "found org#name;version" lines, retrieved as org_name-version.jar) are recorded for the class path.
spark_resolve_packages() {
  local venv="$1" jars
  jars="$(spark_jars_file)"
  [[ -s "$jars" ]] && return 0
  mkdir -p "$SPARK_IVY" "$SPARK_ROOT/resolve-conf"
  log "resolving Spark packages into $SPARK_IVY (first run only; downloads ~600 MB)"
  local lf noop packages
  lf="$(log_file spark-packages)"
  noop="$SPARK_ROOT/noop.py"
  : >"$noop"
  packages="$(paste -sd, <(printf '%s\n' "${SPARK_PACKAGES[@]}"))"
  printf '\n[stack] %s resolving %s\n' "$(date -u +%FT%TZ)" "$packages" >>"$lf"
  if ! (cd "$SPARK_ROOT" && SPARK_CONF_DIR="$SPARK_ROOT/resolve-conf" SPARK_LOCAL_IP="$STACK_HOST" \
    PYSPARK_PYTHON="$venv/bin/python" "$venv/bin/spark-submit" --conf "spark.jars.ivy=$SPARK_IVY" \
    --packages "$packages" "$noop") >>"$lf" 2>&1; then
    show_log_tail "$lf"
    die "resolving ${SPARK_PACKAGES[*]} failed; a retry may help if Maven Central was unreachable"
  fi
  local found
  found="$(awk '/resolving /{n=NR} n && $1 == "found" {split($2, m, /[#;]/); print m[1] "_" m[2] "-" m[3] ".jar"}' "$lf" |
    sort -u | sed "s|^|$SPARK_IVY/jars/|")"
  local jar
  for jar in $found; do
    [[ -f "$jar" ]] || die "resolving Spark packages: $jar is missing after resolution (see $lf)"
  done
  [[ -n "$found" ]] || die "resolving Spark packages found no jars (see $lf)"
  printf '%s\n' "$found" >"$jars"
}

spark_ensure_java() {
  command -v java >/dev/null && return 0
  ensure_apt_packages openjdk-17-jre-headless
}

spark_ensure_metastore_db() {
  pg_psql -d postgres -c "SELECT 'CREATE DATABASE $SPARK_METASTORE_DB' WHERE NOT EXISTS
    (SELECT FROM pg_database WHERE datname = '$SPARK_METASTORE_DB')" | pg_psql -d postgres >/dev/null
}

spark_up() {
  postgres_up
  local venv restart=0
  venv="$(ensure_venv spark "$SPARK_LOCK")"
  spark_ensure_java
  mkdir -p "$SPARK_CONF_DIR_STACK" "$SPARK_ROOT/tmp" "$SPARK_ROOT/scratch" "$SPARK_ROOT/scratch-local"
  spark_resolve_packages "$venv"
  [[ "$SMELTER_SPARK_WAREHOUSE" == file://* ]] && mkdir -p "${SMELTER_SPARK_WAREHOUSE#file://}"
  write_if_changed "$SPARK_CONF_DIR_STACK/spark-defaults.conf" "$(spark_defaults_conf)" && restart=1
  write_if_changed "$SPARK_CONF_DIR_STACK/hive-site.xml" "$(spark_hive_site)" && restart=1
  write_if_changed "$SPARK_CONF_DIR_STACK/log4j2.properties" "$(spark_log4j)" && restart=1
  write_if_changed "$SPARK_CONF_DIR_STACK/spark-env.sh" "$(spark_env_sh)" && restart=1
  write_if_changed "$SPARK_ROOT/venv" "$venv" && restart=1

  if ((restart == 0)) && spark_healthy; then
    return 0
  fi
  if ((restart == 1)) && proc_running spark; then
    log "Spark settings changed since the Thrift server started; restarting it"
    spark_down
  fi
  spark_ensure_metastore_db
  if ! proc_running spark; then
    require_free_port "$SMELTER_SPARK_PORT" spark
    log "starting the Spark Thrift server (Delta Lake) on $(spark_url)"
    # spark-submit execs java in place; the process group (proc_stop) also holds any helper it forks.
    (cd "$SPARK_ROOT" && SPARK_CONF_DIR="$SPARK_CONF_DIR_STACK" SPARK_LOCAL_IP="$STACK_HOST" \
      PYSPARK_PYTHON="$venv/bin/python" proc_start spark "$venv/bin/spark-submit" \
      --class org.apache.spark.sql.hive.thriftserver.HiveThriftServer2 spark-internal)
  fi
  if ! wait_healthy spark "$SMELTER_SPARK_TIMEOUT" spark_listening; then
    show_log_tail "$SPARK_LOG"
    die "the Spark Thrift server is not listening on $(spark_url) (exited, or not ready after ${SMELTER_SPARK_TIMEOUT}s)"
  fi
}

spark_down() {
  proc_running spark || return 0
  log "stopping the Spark Thrift server"
  proc_stop spark 30
}

spark_logs() { printf '%s\n' "$SPARK_LOG"; }
