// Written by `npm run schema` (src/spec/schema/compile.ts) from the definitions there; do not edit.
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
export const validate = validate20;
export default validate20;
const schema31 = {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://smelter.dev/schema/pipeline.schema.json","title":"smelter pipeline","description":"One smelter pipeline: connections, tables extracted into bronze, silver models, and how Airflow runs them. Reference: docs/spec.md.","type":"object","additionalProperties":false,"required":["version","name","connections","warehouse","landing","tables"],"properties":{"version":{"const":1,"description":"Format version."},"name":{"$ref":"#/$defs/identifier","description":"Pipeline name, used in DAG ids, landing keys and warehouse schemas."},"description":{"type":"string","description":"Shown as the DAG's documentation in Airflow."},"connections":{"type":"object","minProperties":1,"propertyNames":{"$ref":"#/$defs/identifier"},"additionalProperties":{"$ref":"#/$defs/connection"},"x-expected":"a map of one or more named connections","description":"Databases and landing zones by name. Secrets are `{env: NAME}` or `{file: /path}`, never inline."},"warehouse":{"$ref":"#/$defs/identifier","description":"Name of the warehouse connection (postgres, or spark for Delta Lake)."},"landing":{"$ref":"#/$defs/identifier","description":"Name of the s3 or local landing connection."},"bronze_schema":{"$ref":"#/$defs/identifier","description":"Default `<name>_bronze`."},"silver_schema":{"$ref":"#/$defs/identifier","description":"Default `<name>_silver`."},"defaults":{"$ref":"#/$defs/tableDefaults"},"freshness":{"$ref":"#/$defs/freshness","description":"Freshness SLA of every table and silver model that does not set its own."},"tables":{"type":"array","minItems":1,"items":{"$ref":"#/$defs/table"},"x-expected":"a non-empty list of tables"},"silver":{"type":"array","items":{"$ref":"#/$defs/silverModel"},"x-expected":"a list of silver models"},"airflow":{"$ref":"#/$defs/airflow"},"notifications":{"$ref":"#/$defs/notifications"}},"$defs":{"identifier":{"type":"string","pattern":"^[a-z_][a-z0-9_]{0,62}$","x-expected":"a lower-case SQL identifier (a-z, 0-9, _; starts with a letter or _; at most 63 characters)"},"columnName":{"type":"string","minLength":1,"maxLength":64,"x-expected":"a column name (1 to 64 characters)"},"columnList":{"type":"array","uniqueItems":true,"items":{"$ref":"#/$defs/columnName"},"x-expected":"an array of column names"},"sqlType":{"type":"string","pattern":"^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$","x-expected":"a warehouse type such as text, bigint, numeric(20,4), timestamptz, jsonb"},"duration":{"anyOf":[{"type":"integer","minimum":0},{"type":"string","pattern":"^[0-9]+(s|m|h|d)$"}],"x-expected":"a duration: seconds, or a string like \"30s\", \"5m\", \"1h\", \"2d\""},"freshness":{"type":"object","additionalProperties":false,"properties":{"warn_after":{"$ref":"#/$defs/duration","description":"Age of the newest applied change past which the table or model warns."},"error_after":{"$ref":"#/$defs/duration","description":"Age past which it is in error; not below warn_after."}},"description":"Freshness SLA: how old the newest change applied may get. Unset: no SLA; each field falls back to the pipeline's `freshness`."},"secretRef":{"oneOf":[{"type":"object","additionalProperties":false,"required":["env"],"properties":{"env":{"type":"string","pattern":"^[A-Za-z_][A-Za-z0-9_]*$"}}},{"type":"object","additionalProperties":false,"required":["file"],"properties":{"file":{"type":"string","pattern":"^/"}}}],"x-expected":"a secret reference {env: VARIABLE} or {file: /absolute/path}; secrets are never written inline"},"envRef":{"type":"object","additionalProperties":false,"required":["env"],"properties":{"env":{"type":"string","pattern":"^[A-Za-z_][A-Za-z0-9_]*$"}}},"stringSetting":{"anyOf":[{"type":"string","minLength":1},{"$ref":"#/$defs/envRef"}],"x-expected":"a string or {env: VARIABLE}"},"hostSetting":{"anyOf":[{"type":"string","pattern":"^[^@/\\s]+$"},{"$ref":"#/$defs/envRef"}],"x-expected":"a host name (no user, password or path) or {env: VARIABLE}"},"urlSetting":{"anyOf":[{"type":"string","pattern":"^https?://[^@/\\s]+(/\\S*)?$"},{"$ref":"#/$defs/envRef"}],"x-expected":"an http(s) URL without credentials, or {env: VARIABLE}"},"portSetting":{"anyOf":[{"type":"integer","minimum":1,"maximum":65535},{"$ref":"#/$defs/envRef"}],"x-expected":"a TCP port or {env: VARIABLE}"},"connection":{"type":"object","required":["kind"],"properties":{"kind":{"enum":["mariadb","mysql","postgres","spark","s3","local"]}},"allOf":[{"if":{"properties":{"kind":{"enum":["mariadb","mysql","postgres","spark"]}}},"then":{"$ref":"#/$defs/databaseConnection"}},{"if":{"properties":{"kind":{"const":"s3"}}},"then":{"$ref":"#/$defs/s3Connection"}},{"if":{"properties":{"kind":{"const":"local"}}},"then":{"$ref":"#/$defs/localConnection"}}]},"databaseConnection":{"type":"object","additionalProperties":false,"properties":{"kind":{"enum":["mariadb","mysql","postgres","spark"]},"url":{"$ref":"#/$defs/secretRef","description":"A connection URL; it may hold a password, so it is a secret."},"host":{"$ref":"#/$defs/hostSetting"},"port":{"$ref":"#/$defs/portSetting"},"database":{"$ref":"#/$defs/stringSetting"},"user":{"$ref":"#/$defs/stringSetting"},"password":{"$ref":"#/$defs/secretRef"},"timezone":{"type":"string","pattern":"^[+-][0-9]{2}:[0-9]{2}$","x-expected":"a UTC offset like \"+00:00\"","description":"Session time zone used to read MariaDB/MySQL TIMESTAMP; default \"+00:00\"."},"max_connections":{"type":"integer","minimum":1,"maximum":64,"description":"Default 4."},"catalog":{"$ref":"#/$defs/stringSetting","description":"Spark: the catalog bronze and silver schemas are created in; default spark_catalog."},"location":{"$ref":"#/$defs/stringSetting","description":"Spark: where Delta tables are stored, as <location>/<schema>/<table> (s3a://bucket/prefix or a directory); default: the catalog's managed location."},"landing_path":{"$ref":"#/$defs/stringSetting","description":"Spark: the landing zone's root as the warehouse reads it; default s3a://<bucket>/<prefix> for s3, <path>/<prefix> for local."}}},"s3Connection":{"type":"object","additionalProperties":false,"required":["bucket"],"properties":{"kind":{"const":"s3"},"bucket":{"$ref":"#/$defs/stringSetting"},"prefix":{"$ref":"#/$defs/keyPrefix"},"region":{"$ref":"#/$defs/stringSetting","description":"Default us-east-1."},"endpoint":{"$ref":"#/$defs/urlSetting","description":"For S3-compatible servers."},"access_key_id":{"$ref":"#/$defs/secretRef"},"secret_access_key":{"$ref":"#/$defs/secretRef"}}},"localConnection":{"type":"object","additionalProperties":false,"required":["path"],"properties":{"kind":{"const":"local"},"path":{"anyOf":[{"type":"string","pattern":"^(/|file:///)"},{"$ref":"#/$defs/envRef"}],"x-expected":"an absolute directory, file:///..., or {env: VARIABLE}"},"prefix":{"$ref":"#/$defs/keyPrefix"}}},"keyPrefix":{"type":"string","pattern":"^[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*$","x-expected":"a key prefix without leading or trailing slash","description":"Default \"landing\"."},"deletes":{"anyOf":[{"enum":["none","reconcile"]},{"type":"object","additionalProperties":false,"required":["mode"],"properties":{"mode":{"const":"none"}}},{"type":"object","additionalProperties":false,"required":["mode","column"],"properties":{"mode":{"const":"soft"},"column":{"$ref":"#/$defs/columnName"},"value":{"type":["string","number","boolean"],"description":"Default true."}}},{"type":"object","additionalProperties":false,"required":["mode"],"properties":{"mode":{"const":"reconcile"},"every_runs":{"type":"integer","minimum":1,"description":"Default 1."}}}],"x-expected":"none, reconcile, {mode: soft, column, value}, or {mode: reconcile, every_runs}"},"bronze":{"type":"object","additionalProperties":false,"properties":{"schema_evolution":{"enum":["add_columns","rescue","fail"],"description":"New source columns: add them, keep them in a `_rescued_data` JSON column, or fail. Default add_columns."},"change_feed":{"type":"boolean","description":"Write the change feed; default true."}}},"tableOptions":{"type":"object","properties":{"source":{"$ref":"#/$defs/identifier","description":"Source connection name."},"mode":{"enum":["incremental","full","cdc"],"description":"incremental: rows at or after the cursor; full: the whole table in key chunks; cdc: every change from the database's log (docs/cdc.md). Default incremental."},"chunk_size":{"type":"integer","minimum":1,"description":"Rows per key-range chunk of a full load; default 100000."},"lag":{"$ref":"#/$defs/duration","description":"Re-read window behind the watermark; default 0."},"deletes":{"$ref":"#/$defs/deletes"},"bronze":{"$ref":"#/$defs/bronze"},"file_rows":{"type":"integer","minimum":1000,"description":"Rows per parquet file; default 250000."}},"description":"Options a table may set and `defaults` may give for all tables."},"tableDefaults":{"$ref":"#/$defs/tableOptions","type":"object","unevaluatedProperties":false,"description":"Table options applied to every table that does not set them."},"table":{"type":"object","$ref":"#/$defs/tableOptions","required":["name","primary_key"],"unevaluatedProperties":false,"properties":{"name":{"$ref":"#/$defs/identifier","description":"Bronze table name."},"table":{"type":"string","pattern":"^[^.\\s]+(\\.[^.\\s]+)?$","x-expected":"a source table name, optionally schema.table","description":"Source table; default: the name."},"query":{"type":"string","minLength":1,"description":"A SELECT instead of a table."},"primary_key":{"$ref":"#/$defs/keyList"},"cursor":{"$ref":"#/$defs/columnList"},"columns":{"type":"object","additionalProperties":false,"properties":{"include":{"$ref":"#/$defs/columnList"},"exclude":{"$ref":"#/$defs/columnList"}}},"type_overrides":{"type":"object","propertyNames":{"$ref":"#/$defs/columnName"},"additionalProperties":{"$ref":"#/$defs/sqlType"}},"cluster_by":{"$ref":"#/$defs/columnList"},"freshness":{"$ref":"#/$defs/freshness"},"partition_by":{"type":"object","additionalProperties":false,"required":["column"],"properties":{"column":{"$ref":"#/$defs/columnName"},"kind":{"enum":["list","hash"],"description":"Default list."},"partitions":{"type":"integer","minimum":2,"maximum":1024}}}}},"silverColumn":{"anyOf":[{"$ref":"#/$defs/identifier"},{"type":"object","additionalProperties":false,"required":["name","from"],"properties":{"name":{"$ref":"#/$defs/identifier"},"from":{"$ref":"#/$defs/columnName"},"type":{"$ref":"#/$defs/sqlType"}}},{"type":"object","additionalProperties":false,"required":["name","json","type"],"properties":{"name":{"$ref":"#/$defs/identifier"},"json":{"type":"object","additionalProperties":false,"required":["column","path"],"properties":{"column":{"$ref":"#/$defs/columnName"},"path":{"type":"string","pattern":"^\\$(\\.[A-Za-z_][A-Za-z0-9_]*|\\[[0-9]+\\])*$"}}},"type":{"$ref":"#/$defs/sqlType"}}},{"type":"object","additionalProperties":false,"required":["name","expr","type"],"properties":{"name":{"$ref":"#/$defs/identifier"},"expr":{"type":"string","minLength":1},"type":{"$ref":"#/$defs/sqlType"}}}],"x-expected":"a column name, {name, from, type?}, {name, json: {column, path: $.a.b}, type} or {name, expr, type}"},"silverModel":{"type":"object","additionalProperties":false,"required":["name","from"],"properties":{"name":{"$ref":"#/$defs/identifier"},"from":{"$ref":"#/$defs/identifier","description":"The bronze table (a tables[].name) this model reads."},"key":{"type":"array","minItems":1,"uniqueItems":true,"items":{"$ref":"#/$defs/identifier"},"x-expected":"an array of silver column names","description":"Default: the bronze table's primary key."},"include_all":{"type":"boolean","description":"Also copy every bronze column not named in columns; default false."},"columns":{"type":"array","items":{"$ref":"#/$defs/silverColumn"},"x-expected":"a list of columns"},"where":{"type":"string","minLength":1,"description":"SQL predicate over bronze columns."},"scd":{"enum":[1,2],"description":"Slowly changing dimension type; default 1."},"freshness":{"$ref":"#/$defs/freshness"}}},"airflow":{"type":"object","additionalProperties":false,"properties":{"schedule":{"type":["string","null"],"pattern":"^(@(once|hourly|daily|weekly|monthly|yearly)|\\S+( \\S+){4,5})$","x-expected":"a cron expression (5 or 6 fields), a preset such as @hourly, or null","description":"Default null: runs only when triggered."},"start_date":{"type":"string","pattern":"^[0-9]{4}-[0-9]{2}-[0-9]{2}$","x-expected":"a date YYYY-MM-DD","description":"Default 2024-01-01."},"pool":{"type":["string","null"],"pattern":"^[A-Za-z0-9_.-]{1,256}$","description":"Airflow pool; default none."},"pool_slots":{"type":"integer","minimum":1,"description":"Slots each task takes in the pool; default 1."},"pool_size":{"type":"integer","minimum":1,"description":"Slots of the pool `pool` names: publishing creates the pool with this many slots, or sets an existing pool's slots to it. Default: a missing pool is created with max_active_tasks × pool_slots slots; an existing one is left as it is."},"max_active_tasks":{"type":"integer","minimum":1,"description":"Tasks of one run at a time; default 8."},"max_active_runs":{"type":"integer","minimum":1,"description":"Default 1."},"retries":{"type":"integer","minimum":0,"description":"Default 2."},"retry_delay":{"$ref":"#/$defs/duration","description":"Default 5m."},"execution_timeout":{"$ref":"#/$defs/duration","description":"Default 2h."},"owner":{"type":"string","minLength":1,"description":"Default smelter."},"tags":{"type":"array","uniqueItems":true,"items":{"type":"string","minLength":1,"maxLength":100}},"granularity":{"enum":["table","source"],"description":"A task per table per step, or a task per source per step; default table."},"layout":{"enum":["step","table"],"description":"step: a task per step of each table (extract, bronze, each silver model); table: one task per table that runs extract, bronze and the table's silver models one after the other in the service, each step still its own execution. Needs granularity table and no assets. Default step."},"split":{"type":"object","additionalProperties":false,"properties":{"by":{"enum":["hash","source"],"description":"hash: each table goes to the part its name hashes to (sha256, modulo parts), so adding or removing a table moves no other; source: a part per source connection. Default hash."},"parts":{"type":"integer","minimum":2,"maximum":100,"description":"How many parts (DAGs) by: hash makes; required with by: hash."}},"description":"Splits the pipeline across several DAGs, one file each (smelter__<pipeline>__<part>.py), so that a task parses only its part's file. A silver model goes with the table it reads. Default: one DAG file."},"assets":{"type":"boolean","description":"Bronze tasks emit Assets and silver runs in its own DAG scheduled on them; default false."},"connection_id":{"type":"string","pattern":"^[A-Za-z0-9_.-]{1,250}$","description":"Airflow connection id of the smelter service; default smelter_default."},"deferrable":{"type":"boolean","description":"Tasks wait for long executions in the triggerer, holding no worker slot; false polls in the worker. Default: Airflow's [operators] default_deferrable."},"wait_before_defer":{"$ref":"#/$defs/duration","description":"How long a task waits in the worker before deferring: executions that end sooner skip the deferral's cost. Default 10s."}}},"notifications":{"type":"object","propertyNames":{"$ref":"#/$defs/webhookName"},"additionalProperties":{"$ref":"#/$defs/webhook"},"x-expected":"a map of named webhooks","description":"Webhooks told of this pipeline's events, by name; the service's own webhooks (SMELTER_NOTIFY_WEBHOOKS) are told too."},"webhook":{"type":"object","additionalProperties":false,"required":["format","url"],"properties":{"format":{"enum":["slack","json"],"description":"slack: Slack's incoming-webhook message {text, blocks}; json: smelter's JSON event."},"url":{"$ref":"#/$defs/secretRef","description":"The webhook's URL; it is its own credential (a token in the path or query), so it is a secret reference."},"events":{"type":"array","minItems":1,"uniqueItems":true,"items":{"$ref":"#/$defs/notificationEvent"},"x-expected":"a non-empty list of event types","description":"The events it receives; default every event."},"tables":{"type":"array","uniqueItems":true,"items":{"$ref":"#/$defs/identifier"},"x-expected":"a list of table names of this spec","description":"Only the events of these tables (and of tasks covering their sources); with `models`, of those too. Default: every table and model."},"models":{"type":"array","uniqueItems":true,"items":{"$ref":"#/$defs/identifier"},"x-expected":"a list of silver model names of this spec","description":"Only the events of these silver models; with `tables`, of those too."}}},"webhookName":{"type":"string","pattern":"^[a-z0-9_-]{1,63}$","x-expected":"a webhook name (1 to 63 lower-case letters, digits, _ and -)"},"notificationEvent":{"enum":["execution.failed","execution.recovered","freshness.warn","freshness.error","freshness.recovered","schema.changed"],"description":"An event type (docs/observability.md#events)."},"keyList":{"type":"array","uniqueItems":true,"minItems":1,"items":{"$ref":"#/$defs/columnName"},"x-expected":"a non-empty array of column names"}}};
const schema32 = {"type":"string","pattern":"^[a-z_][a-z0-9_]{0,62}$","x-expected":"a lower-case SQL identifier (a-z, 0-9, _; starts with a letter or _; at most 63 characters)"};
const func1 = Object.prototype.hasOwnProperty;
const pattern4 = new RegExp("^[a-z_][a-z0-9_]{0,62}$", "u");
const schema34 = {"type":"object","required":["kind"],"properties":{"kind":{"enum":["mariadb","mysql","postgres","spark","s3","local"]}},"allOf":[{"if":{"properties":{"kind":{"enum":["mariadb","mysql","postgres","spark"]}}},"then":{"$ref":"#/$defs/databaseConnection"}},{"if":{"properties":{"kind":{"const":"s3"}}},"then":{"$ref":"#/$defs/s3Connection"}},{"if":{"properties":{"kind":{"const":"local"}}},"then":{"$ref":"#/$defs/localConnection"}}]};
const schema35 = {"type":"object","additionalProperties":false,"properties":{"kind":{"enum":["mariadb","mysql","postgres","spark"]},"url":{"$ref":"#/$defs/secretRef","description":"A connection URL; it may hold a password, so it is a secret."},"host":{"$ref":"#/$defs/hostSetting"},"port":{"$ref":"#/$defs/portSetting"},"database":{"$ref":"#/$defs/stringSetting"},"user":{"$ref":"#/$defs/stringSetting"},"password":{"$ref":"#/$defs/secretRef"},"timezone":{"type":"string","pattern":"^[+-][0-9]{2}:[0-9]{2}$","x-expected":"a UTC offset like \"+00:00\"","description":"Session time zone used to read MariaDB/MySQL TIMESTAMP; default \"+00:00\"."},"max_connections":{"type":"integer","minimum":1,"maximum":64,"description":"Default 4."},"catalog":{"$ref":"#/$defs/stringSetting","description":"Spark: the catalog bronze and silver schemas are created in; default spark_catalog."},"location":{"$ref":"#/$defs/stringSetting","description":"Spark: where Delta tables are stored, as <location>/<schema>/<table> (s3a://bucket/prefix or a directory); default: the catalog's managed location."},"landing_path":{"$ref":"#/$defs/stringSetting","description":"Spark: the landing zone's root as the warehouse reads it; default s3a://<bucket>/<prefix> for s3, <path>/<prefix> for local."}}};
const schema36 = {"oneOf":[{"type":"object","additionalProperties":false,"required":["env"],"properties":{"env":{"type":"string","pattern":"^[A-Za-z_][A-Za-z0-9_]*$"}}},{"type":"object","additionalProperties":false,"required":["file"],"properties":{"file":{"type":"string","pattern":"^/"}}}],"x-expected":"a secret reference {env: VARIABLE} or {file: /absolute/path}; secrets are never written inline"};
const pattern6 = new RegExp("^[A-Za-z_][A-Za-z0-9_]*$", "u");
const pattern7 = new RegExp("^/", "u");
const pattern14 = new RegExp("^[+-][0-9]{2}:[0-9]{2}$", "u");
const schema37 = {"anyOf":[{"type":"string","pattern":"^[^@/\\s]+$"},{"$ref":"#/$defs/envRef"}],"x-expected":"a host name (no user, password or path) or {env: VARIABLE}"};
const schema38 = {"type":"object","additionalProperties":false,"required":["env"],"properties":{"env":{"type":"string","pattern":"^[A-Za-z_][A-Za-z0-9_]*$"}}};
const pattern8 = new RegExp("^[^@/\\s]+$", "u");

function validate23(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate23.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
const _errs0 = errors;
let valid0 = false;
const _errs1 = errors;
if(typeof data === "string"){
if(!pattern8.test(data)){
const err0 = {instancePath,schemaPath:"#/anyOf/0/pattern",keyword:"pattern",params:{pattern: "^[^@/\\s]+$"},message:"must match pattern \""+"^[^@/\\s]+$"+"\"",schema:"^[^@/\\s]+$",parentSchema:schema37.anyOf[0],data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
else {
const err1 = {instancePath,schemaPath:"#/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema37.anyOf[0].type,parentSchema:schema37.anyOf[0],data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
var _valid0 = _errs1 === errors;
valid0 = valid0 || _valid0;
const _errs3 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.env === undefined){
const err2 = {instancePath,schemaPath:"#/$defs/envRef/required",keyword:"required",params:{missingProperty: "env"},message:"must have required property '"+"env"+"'",schema:schema38.required,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key0 in data){
if(!(key0 === "env")){
const err3 = {instancePath,schemaPath:"#/$defs/envRef/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.env !== undefined){
let data0 = data.env;
if(typeof data0 === "string"){
if(!pattern6.test(data0)){
const err4 = {instancePath:instancePath+"/env",schemaPath:"#/$defs/envRef/properties/env/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema38.properties.env,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/env",schemaPath:"#/$defs/envRef/properties/env/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema38.properties.env.type,parentSchema:schema38.properties.env,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
else {
const err6 = {instancePath,schemaPath:"#/$defs/envRef/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema38.type,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
var _valid0 = _errs3 === errors;
valid0 = valid0 || _valid0;
if(_valid0){
var props0 = true;
}
if(!valid0){
const err7 = {instancePath,schemaPath:"#/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema37.anyOf,parentSchema:schema37,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
else {
errors = _errs0;
if(vErrors !== null){
if(_errs0){
vErrors.length = _errs0;
}
else {
vErrors = null;
}
}
}
validate23.errors = vErrors;
evaluated0.props = props0;
return errors === 0;
}
validate23.evaluated = {"dynamicProps":true,"dynamicItems":false};

const schema39 = {"anyOf":[{"type":"integer","minimum":1,"maximum":65535},{"$ref":"#/$defs/envRef"}],"x-expected":"a TCP port or {env: VARIABLE}"};

function validate25(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate25.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
const _errs0 = errors;
let valid0 = false;
const _errs1 = errors;
if(!(((typeof data == "number") && (!(data % 1) && !isNaN(data))) && (isFinite(data)))){
const err0 = {instancePath,schemaPath:"#/anyOf/0/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema39.anyOf[0].type,parentSchema:schema39.anyOf[0],data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if((typeof data == "number") && (isFinite(data))){
if(data > 65535 || isNaN(data)){
const err1 = {instancePath,schemaPath:"#/anyOf/0/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema39.anyOf[0],data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data < 1 || isNaN(data)){
const err2 = {instancePath,schemaPath:"#/anyOf/0/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema39.anyOf[0],data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
var _valid0 = _errs1 === errors;
valid0 = valid0 || _valid0;
const _errs3 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.env === undefined){
const err3 = {instancePath,schemaPath:"#/$defs/envRef/required",keyword:"required",params:{missingProperty: "env"},message:"must have required property '"+"env"+"'",schema:schema38.required,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
for(const key0 in data){
if(!(key0 === "env")){
const err4 = {instancePath,schemaPath:"#/$defs/envRef/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.env !== undefined){
let data0 = data.env;
if(typeof data0 === "string"){
if(!pattern6.test(data0)){
const err5 = {instancePath:instancePath+"/env",schemaPath:"#/$defs/envRef/properties/env/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema38.properties.env,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/env",schemaPath:"#/$defs/envRef/properties/env/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema38.properties.env.type,parentSchema:schema38.properties.env,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
else {
const err7 = {instancePath,schemaPath:"#/$defs/envRef/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema38.type,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
var _valid0 = _errs3 === errors;
valid0 = valid0 || _valid0;
if(_valid0){
var props0 = true;
}
if(!valid0){
const err8 = {instancePath,schemaPath:"#/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema39.anyOf,parentSchema:schema39,data};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
else {
errors = _errs0;
if(vErrors !== null){
if(_errs0){
vErrors.length = _errs0;
}
else {
vErrors = null;
}
}
}
validate25.errors = vErrors;
evaluated0.props = props0;
return errors === 0;
}
validate25.evaluated = {"dynamicProps":true,"dynamicItems":false};

const schema41 = {"anyOf":[{"type":"string","minLength":1},{"$ref":"#/$defs/envRef"}],"x-expected":"a string or {env: VARIABLE}"};
const func3 = require("ajv/dist/runtime/ucs2length").default;

function validate27(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate27.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
const _errs0 = errors;
let valid0 = false;
const _errs1 = errors;
if(typeof data === "string"){
if(func3(data) < 1){
const err0 = {instancePath,schemaPath:"#/anyOf/0/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema41.anyOf[0],data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
else {
const err1 = {instancePath,schemaPath:"#/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema41.anyOf[0].type,parentSchema:schema41.anyOf[0],data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
var _valid0 = _errs1 === errors;
valid0 = valid0 || _valid0;
const _errs3 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.env === undefined){
const err2 = {instancePath,schemaPath:"#/$defs/envRef/required",keyword:"required",params:{missingProperty: "env"},message:"must have required property '"+"env"+"'",schema:schema38.required,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key0 in data){
if(!(key0 === "env")){
const err3 = {instancePath,schemaPath:"#/$defs/envRef/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.env !== undefined){
let data0 = data.env;
if(typeof data0 === "string"){
if(!pattern6.test(data0)){
const err4 = {instancePath:instancePath+"/env",schemaPath:"#/$defs/envRef/properties/env/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema38.properties.env,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/env",schemaPath:"#/$defs/envRef/properties/env/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema38.properties.env.type,parentSchema:schema38.properties.env,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
else {
const err6 = {instancePath,schemaPath:"#/$defs/envRef/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema38.type,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
var _valid0 = _errs3 === errors;
valid0 = valid0 || _valid0;
if(_valid0){
var props0 = true;
}
if(!valid0){
const err7 = {instancePath,schemaPath:"#/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema41.anyOf,parentSchema:schema41,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
else {
errors = _errs0;
if(vErrors !== null){
if(_errs0){
vErrors.length = _errs0;
}
else {
vErrors = null;
}
}
}
validate27.errors = vErrors;
evaluated0.props = props0;
return errors === 0;
}
validate27.evaluated = {"dynamicProps":true,"dynamicItems":false};


function validate22(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate22.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(func1.call(schema35.properties, key0))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema35,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.kind !== undefined){
let data0 = data.kind;
if(!((((data0 === "mariadb") || (data0 === "mysql")) || (data0 === "postgres")) || (data0 === "spark"))){
const err1 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/enum",keyword:"enum",params:{allowedValues: schema35.properties.kind.enum},message:"must be equal to one of the allowed values",schema:schema35.properties.kind.enum,parentSchema:schema35.properties.kind,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.url !== undefined){
let data1 = data.url;
const _errs5 = errors;
let valid2 = false;
let passing0 = null;
const _errs6 = errors;
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
if(data1.env === undefined){
const err2 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/secretRef/oneOf/0/required",keyword:"required",params:{missingProperty: "env"},message:"must have required property '"+"env"+"'",schema:schema36.oneOf[0].required,parentSchema:schema36.oneOf[0],data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key1 in data1){
if(!(key1 === "env")){
const err3 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/secretRef/oneOf/0/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema36.oneOf[0],data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data1.env !== undefined){
let data2 = data1.env;
if(typeof data2 === "string"){
if(!pattern6.test(data2)){
const err4 = {instancePath:instancePath+"/url/env",schemaPath:"#/$defs/secretRef/oneOf/0/properties/env/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema36.oneOf[0].properties.env,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/url/env",schemaPath:"#/$defs/secretRef/oneOf/0/properties/env/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.oneOf[0].properties.env.type,parentSchema:schema36.oneOf[0].properties.env,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
else {
const err6 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/secretRef/oneOf/0/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.oneOf[0].type,parentSchema:schema36.oneOf[0],data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
var _valid0 = _errs6 === errors;
if(_valid0){
valid2 = true;
passing0 = 0;
var props0 = true;
}
const _errs11 = errors;
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
if(data1.file === undefined){
const err7 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/secretRef/oneOf/1/required",keyword:"required",params:{missingProperty: "file"},message:"must have required property '"+"file"+"'",schema:schema36.oneOf[1].required,parentSchema:schema36.oneOf[1],data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
for(const key2 in data1){
if(!(key2 === "file")){
const err8 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/secretRef/oneOf/1/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema36.oneOf[1],data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data1.file !== undefined){
let data3 = data1.file;
if(typeof data3 === "string"){
if(!pattern7.test(data3)){
const err9 = {instancePath:instancePath+"/url/file",schemaPath:"#/$defs/secretRef/oneOf/1/properties/file/pattern",keyword:"pattern",params:{pattern: "^/"},message:"must match pattern \""+"^/"+"\"",schema:"^/",parentSchema:schema36.oneOf[1].properties.file,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/url/file",schemaPath:"#/$defs/secretRef/oneOf/1/properties/file/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.oneOf[1].properties.file.type,parentSchema:schema36.oneOf[1].properties.file,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/secretRef/oneOf/1/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.oneOf[1].type,parentSchema:schema36.oneOf[1],data:data1};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
var _valid0 = _errs11 === errors;
if(_valid0 && valid2){
valid2 = false;
passing0 = [passing0, 1];
}
else {
if(_valid0){
valid2 = true;
passing0 = 1;
if(props0 !== true){
props0 = true;
}
}
}
if(!valid2){
const err12 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/secretRef/oneOf",keyword:"oneOf",params:{passingSchemas: passing0},message:"must match exactly one schema in oneOf",schema:schema36.oneOf,parentSchema:schema36,data:data1};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
else {
errors = _errs5;
if(vErrors !== null){
if(_errs5){
vErrors.length = _errs5;
}
else {
vErrors = null;
}
}
}
}
if(data.host !== undefined){
if(!(validate23(data.host, {instancePath:instancePath+"/host",parentData:data,parentDataProperty:"host",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate23.errors : vErrors.concat(validate23.errors);
errors = vErrors.length;
}
}
if(data.port !== undefined){
if(!(validate25(data.port, {instancePath:instancePath+"/port",parentData:data,parentDataProperty:"port",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate25.errors : vErrors.concat(validate25.errors);
errors = vErrors.length;
}
}
if(data.database !== undefined){
if(!(validate27(data.database, {instancePath:instancePath+"/database",parentData:data,parentDataProperty:"database",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate27.errors : vErrors.concat(validate27.errors);
errors = vErrors.length;
}
}
if(data.user !== undefined){
if(!(validate27(data.user, {instancePath:instancePath+"/user",parentData:data,parentDataProperty:"user",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate27.errors : vErrors.concat(validate27.errors);
errors = vErrors.length;
}
}
if(data.password !== undefined){
let data8 = data.password;
const _errs23 = errors;
let valid6 = false;
let passing1 = null;
const _errs24 = errors;
if(data8 && typeof data8 == "object" && !Array.isArray(data8)){
if(data8.env === undefined){
const err13 = {instancePath:instancePath+"/password",schemaPath:"#/$defs/secretRef/oneOf/0/required",keyword:"required",params:{missingProperty: "env"},message:"must have required property '"+"env"+"'",schema:schema36.oneOf[0].required,parentSchema:schema36.oneOf[0],data:data8};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
for(const key3 in data8){
if(!(key3 === "env")){
const err14 = {instancePath:instancePath+"/password",schemaPath:"#/$defs/secretRef/oneOf/0/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema36.oneOf[0],data:data8};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data8.env !== undefined){
let data9 = data8.env;
if(typeof data9 === "string"){
if(!pattern6.test(data9)){
const err15 = {instancePath:instancePath+"/password/env",schemaPath:"#/$defs/secretRef/oneOf/0/properties/env/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema36.oneOf[0].properties.env,data:data9};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
else {
const err16 = {instancePath:instancePath+"/password/env",schemaPath:"#/$defs/secretRef/oneOf/0/properties/env/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.oneOf[0].properties.env.type,parentSchema:schema36.oneOf[0].properties.env,data:data9};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
else {
const err17 = {instancePath:instancePath+"/password",schemaPath:"#/$defs/secretRef/oneOf/0/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.oneOf[0].type,parentSchema:schema36.oneOf[0],data:data8};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
var _valid1 = _errs24 === errors;
if(_valid1){
valid6 = true;
passing1 = 0;
var props5 = true;
}
const _errs29 = errors;
if(data8 && typeof data8 == "object" && !Array.isArray(data8)){
if(data8.file === undefined){
const err18 = {instancePath:instancePath+"/password",schemaPath:"#/$defs/secretRef/oneOf/1/required",keyword:"required",params:{missingProperty: "file"},message:"must have required property '"+"file"+"'",schema:schema36.oneOf[1].required,parentSchema:schema36.oneOf[1],data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
for(const key4 in data8){
if(!(key4 === "file")){
const err19 = {instancePath:instancePath+"/password",schemaPath:"#/$defs/secretRef/oneOf/1/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties",schema:false,parentSchema:schema36.oneOf[1],data:data8};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data8.file !== undefined){
let data10 = data8.file;
if(typeof data10 === "string"){
if(!pattern7.test(data10)){
const err20 = {instancePath:instancePath+"/password/file",schemaPath:"#/$defs/secretRef/oneOf/1/properties/file/pattern",keyword:"pattern",params:{pattern: "^/"},message:"must match pattern \""+"^/"+"\"",schema:"^/",parentSchema:schema36.oneOf[1].properties.file,data:data10};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
else {
const err21 = {instancePath:instancePath+"/password/file",schemaPath:"#/$defs/secretRef/oneOf/1/properties/file/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.oneOf[1].properties.file.type,parentSchema:schema36.oneOf[1].properties.file,data:data10};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
}
else {
const err22 = {instancePath:instancePath+"/password",schemaPath:"#/$defs/secretRef/oneOf/1/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.oneOf[1].type,parentSchema:schema36.oneOf[1],data:data8};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
var _valid1 = _errs29 === errors;
if(_valid1 && valid6){
valid6 = false;
passing1 = [passing1, 1];
}
else {
if(_valid1){
valid6 = true;
passing1 = 1;
if(props5 !== true){
props5 = true;
}
}
}
if(!valid6){
const err23 = {instancePath:instancePath+"/password",schemaPath:"#/$defs/secretRef/oneOf",keyword:"oneOf",params:{passingSchemas: passing1},message:"must match exactly one schema in oneOf",schema:schema36.oneOf,parentSchema:schema36,data:data8};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
else {
errors = _errs23;
if(vErrors !== null){
if(_errs23){
vErrors.length = _errs23;
}
else {
vErrors = null;
}
}
}
}
if(data.timezone !== undefined){
let data11 = data.timezone;
if(typeof data11 === "string"){
if(!pattern14.test(data11)){
const err24 = {instancePath:instancePath+"/timezone",schemaPath:"#/properties/timezone/pattern",keyword:"pattern",params:{pattern: "^[+-][0-9]{2}:[0-9]{2}$"},message:"must match pattern \""+"^[+-][0-9]{2}:[0-9]{2}$"+"\"",schema:"^[+-][0-9]{2}:[0-9]{2}$",parentSchema:schema35.properties.timezone,data:data11};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
else {
const err25 = {instancePath:instancePath+"/timezone",schemaPath:"#/properties/timezone/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.properties.timezone.type,parentSchema:schema35.properties.timezone,data:data11};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
if(data.max_connections !== undefined){
let data12 = data.max_connections;
if(!(((typeof data12 == "number") && (!(data12 % 1) && !isNaN(data12))) && (isFinite(data12)))){
const err26 = {instancePath:instancePath+"/max_connections",schemaPath:"#/properties/max_connections/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema35.properties.max_connections.type,parentSchema:schema35.properties.max_connections,data:data12};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
if((typeof data12 == "number") && (isFinite(data12))){
if(data12 > 64 || isNaN(data12)){
const err27 = {instancePath:instancePath+"/max_connections",schemaPath:"#/properties/max_connections/maximum",keyword:"maximum",params:{comparison: "<=", limit: 64},message:"must be <= 64",schema:64,parentSchema:schema35.properties.max_connections,data:data12};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
if(data12 < 1 || isNaN(data12)){
const err28 = {instancePath:instancePath+"/max_connections",schemaPath:"#/properties/max_connections/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema35.properties.max_connections,data:data12};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
}
if(data.catalog !== undefined){
if(!(validate27(data.catalog, {instancePath:instancePath+"/catalog",parentData:data,parentDataProperty:"catalog",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate27.errors : vErrors.concat(validate27.errors);
errors = vErrors.length;
}
}
if(data.location !== undefined){
if(!(validate27(data.location, {instancePath:instancePath+"/location",parentData:data,parentDataProperty:"location",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate27.errors : vErrors.concat(validate27.errors);
errors = vErrors.length;
}
}
if(data.landing_path !== undefined){
if(!(validate27(data.landing_path, {instancePath:instancePath+"/landing_path",parentData:data,parentDataProperty:"landing_path",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate27.errors : vErrors.concat(validate27.errors);
errors = vErrors.length;
}
}
}
else {
const err29 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema35.type,parentSchema:schema35,data};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
validate22.errors = vErrors;
return errors === 0;
}
validate22.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema44 = {"type":"object","additionalProperties":false,"required":["bucket"],"properties":{"kind":{"const":"s3"},"bucket":{"$ref":"#/$defs/stringSetting"},"prefix":{"$ref":"#/$defs/keyPrefix"},"region":{"$ref":"#/$defs/stringSetting","description":"Default us-east-1."},"endpoint":{"$ref":"#/$defs/urlSetting","description":"For S3-compatible servers."},"access_key_id":{"$ref":"#/$defs/secretRef"},"secret_access_key":{"$ref":"#/$defs/secretRef"}}};
const schema45 = {"type":"string","pattern":"^[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*$","x-expected":"a key prefix without leading or trailing slash","description":"Default \"landing\"."};
const schema46 = {"anyOf":[{"type":"string","pattern":"^https?://[^@/\\s]+(/\\S*)?$"},{"$ref":"#/$defs/envRef"}],"x-expected":"an http(s) URL without credentials, or {env: VARIABLE}"};
const pattern16 = new RegExp("^https?://[^@/\\s]+(/\\S*)?$", "u");

function validate37(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate37.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
const _errs0 = errors;
let valid0 = false;
const _errs1 = errors;
if(typeof data === "string"){
if(!pattern16.test(data)){
const err0 = {instancePath,schemaPath:"#/anyOf/0/pattern",keyword:"pattern",params:{pattern: "^https?://[^@/\\s]+(/\\S*)?$"},message:"must match pattern \""+"^https?://[^@/\\s]+(/\\S*)?$"+"\"",schema:"^https?://[^@/\\s]+(/\\S*)?$",parentSchema:schema46.anyOf[0],data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
else {
const err1 = {instancePath,schemaPath:"#/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema46.anyOf[0].type,parentSchema:schema46.anyOf[0],data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
var _valid0 = _errs1 === errors;
valid0 = valid0 || _valid0;
const _errs3 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.env === undefined){
const err2 = {instancePath,schemaPath:"#/$defs/envRef/required",keyword:"required",params:{missingProperty: "env"},message:"must have required property '"+"env"+"'",schema:schema38.required,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key0 in data){
if(!(key0 === "env")){
const err3 = {instancePath,schemaPath:"#/$defs/envRef/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.env !== undefined){
let data0 = data.env;
if(typeof data0 === "string"){
if(!pattern6.test(data0)){
const err4 = {instancePath:instancePath+"/env",schemaPath:"#/$defs/envRef/properties/env/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema38.properties.env,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/env",schemaPath:"#/$defs/envRef/properties/env/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema38.properties.env.type,parentSchema:schema38.properties.env,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
else {
const err6 = {instancePath,schemaPath:"#/$defs/envRef/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema38.type,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
var _valid0 = _errs3 === errors;
valid0 = valid0 || _valid0;
if(_valid0){
var props0 = true;
}
if(!valid0){
const err7 = {instancePath,schemaPath:"#/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema46.anyOf,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
else {
errors = _errs0;
if(vErrors !== null){
if(_errs0){
vErrors.length = _errs0;
}
else {
vErrors = null;
}
}
}
validate37.errors = vErrors;
evaluated0.props = props0;
return errors === 0;
}
validate37.evaluated = {"dynamicProps":true,"dynamicItems":false};

const pattern15 = new RegExp("^[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*$", "u");

function validate34(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate34.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.bucket === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "bucket"},message:"must have required property '"+"bucket"+"'",schema:schema44.required,parentSchema:schema44,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(((((((key0 === "kind") || (key0 === "bucket")) || (key0 === "prefix")) || (key0 === "region")) || (key0 === "endpoint")) || (key0 === "access_key_id")) || (key0 === "secret_access_key"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema44,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.kind !== undefined){
let data0 = data.kind;
if("s3" !== data0){
const err2 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/const",keyword:"const",params:{allowedValue: "s3"},message:"must be equal to constant",schema:"s3",parentSchema:schema44.properties.kind,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.bucket !== undefined){
if(!(validate27(data.bucket, {instancePath:instancePath+"/bucket",parentData:data,parentDataProperty:"bucket",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate27.errors : vErrors.concat(validate27.errors);
errors = vErrors.length;
}
}
if(data.prefix !== undefined){
let data2 = data.prefix;
if(typeof data2 === "string"){
if(!pattern15.test(data2)){
const err3 = {instancePath:instancePath+"/prefix",schemaPath:"#/$defs/keyPrefix/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*$"},message:"must match pattern \""+"^[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*$"+"\"",schema:"^[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*$",parentSchema:schema45,data:data2};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/prefix",schemaPath:"#/$defs/keyPrefix/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema45.type,parentSchema:schema45,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.region !== undefined){
if(!(validate27(data.region, {instancePath:instancePath+"/region",parentData:data,parentDataProperty:"region",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate27.errors : vErrors.concat(validate27.errors);
errors = vErrors.length;
}
}
if(data.endpoint !== undefined){
if(!(validate37(data.endpoint, {instancePath:instancePath+"/endpoint",parentData:data,parentDataProperty:"endpoint",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate37.errors : vErrors.concat(validate37.errors);
errors = vErrors.length;
}
}
if(data.access_key_id !== undefined){
let data5 = data.access_key_id;
const _errs12 = errors;
let valid3 = false;
let passing0 = null;
const _errs13 = errors;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
if(data5.env === undefined){
const err5 = {instancePath:instancePath+"/access_key_id",schemaPath:"#/$defs/secretRef/oneOf/0/required",keyword:"required",params:{missingProperty: "env"},message:"must have required property '"+"env"+"'",schema:schema36.oneOf[0].required,parentSchema:schema36.oneOf[0],data:data5};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
for(const key1 in data5){
if(!(key1 === "env")){
const err6 = {instancePath:instancePath+"/access_key_id",schemaPath:"#/$defs/secretRef/oneOf/0/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema36.oneOf[0],data:data5};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data5.env !== undefined){
let data6 = data5.env;
if(typeof data6 === "string"){
if(!pattern6.test(data6)){
const err7 = {instancePath:instancePath+"/access_key_id/env",schemaPath:"#/$defs/secretRef/oneOf/0/properties/env/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema36.oneOf[0].properties.env,data:data6};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/access_key_id/env",schemaPath:"#/$defs/secretRef/oneOf/0/properties/env/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.oneOf[0].properties.env.type,parentSchema:schema36.oneOf[0].properties.env,data:data6};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
else {
const err9 = {instancePath:instancePath+"/access_key_id",schemaPath:"#/$defs/secretRef/oneOf/0/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.oneOf[0].type,parentSchema:schema36.oneOf[0],data:data5};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
var _valid0 = _errs13 === errors;
if(_valid0){
valid3 = true;
passing0 = 0;
var props3 = true;
}
const _errs18 = errors;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
if(data5.file === undefined){
const err10 = {instancePath:instancePath+"/access_key_id",schemaPath:"#/$defs/secretRef/oneOf/1/required",keyword:"required",params:{missingProperty: "file"},message:"must have required property '"+"file"+"'",schema:schema36.oneOf[1].required,parentSchema:schema36.oneOf[1],data:data5};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
for(const key2 in data5){
if(!(key2 === "file")){
const err11 = {instancePath:instancePath+"/access_key_id",schemaPath:"#/$defs/secretRef/oneOf/1/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema36.oneOf[1],data:data5};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data5.file !== undefined){
let data7 = data5.file;
if(typeof data7 === "string"){
if(!pattern7.test(data7)){
const err12 = {instancePath:instancePath+"/access_key_id/file",schemaPath:"#/$defs/secretRef/oneOf/1/properties/file/pattern",keyword:"pattern",params:{pattern: "^/"},message:"must match pattern \""+"^/"+"\"",schema:"^/",parentSchema:schema36.oneOf[1].properties.file,data:data7};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/access_key_id/file",schemaPath:"#/$defs/secretRef/oneOf/1/properties/file/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.oneOf[1].properties.file.type,parentSchema:schema36.oneOf[1].properties.file,data:data7};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
}
else {
const err14 = {instancePath:instancePath+"/access_key_id",schemaPath:"#/$defs/secretRef/oneOf/1/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.oneOf[1].type,parentSchema:schema36.oneOf[1],data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
var _valid0 = _errs18 === errors;
if(_valid0 && valid3){
valid3 = false;
passing0 = [passing0, 1];
}
else {
if(_valid0){
valid3 = true;
passing0 = 1;
if(props3 !== true){
props3 = true;
}
}
}
if(!valid3){
const err15 = {instancePath:instancePath+"/access_key_id",schemaPath:"#/$defs/secretRef/oneOf",keyword:"oneOf",params:{passingSchemas: passing0},message:"must match exactly one schema in oneOf",schema:schema36.oneOf,parentSchema:schema36,data:data5};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
else {
errors = _errs12;
if(vErrors !== null){
if(_errs12){
vErrors.length = _errs12;
}
else {
vErrors = null;
}
}
}
}
if(data.secret_access_key !== undefined){
let data8 = data.secret_access_key;
const _errs26 = errors;
let valid7 = false;
let passing1 = null;
const _errs27 = errors;
if(data8 && typeof data8 == "object" && !Array.isArray(data8)){
if(data8.env === undefined){
const err16 = {instancePath:instancePath+"/secret_access_key",schemaPath:"#/$defs/secretRef/oneOf/0/required",keyword:"required",params:{missingProperty: "env"},message:"must have required property '"+"env"+"'",schema:schema36.oneOf[0].required,parentSchema:schema36.oneOf[0],data:data8};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
for(const key3 in data8){
if(!(key3 === "env")){
const err17 = {instancePath:instancePath+"/secret_access_key",schemaPath:"#/$defs/secretRef/oneOf/0/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema36.oneOf[0],data:data8};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data8.env !== undefined){
let data9 = data8.env;
if(typeof data9 === "string"){
if(!pattern6.test(data9)){
const err18 = {instancePath:instancePath+"/secret_access_key/env",schemaPath:"#/$defs/secretRef/oneOf/0/properties/env/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema36.oneOf[0].properties.env,data:data9};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
else {
const err19 = {instancePath:instancePath+"/secret_access_key/env",schemaPath:"#/$defs/secretRef/oneOf/0/properties/env/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.oneOf[0].properties.env.type,parentSchema:schema36.oneOf[0].properties.env,data:data9};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
}
else {
const err20 = {instancePath:instancePath+"/secret_access_key",schemaPath:"#/$defs/secretRef/oneOf/0/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.oneOf[0].type,parentSchema:schema36.oneOf[0],data:data8};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
var _valid1 = _errs27 === errors;
if(_valid1){
valid7 = true;
passing1 = 0;
var props4 = true;
}
const _errs32 = errors;
if(data8 && typeof data8 == "object" && !Array.isArray(data8)){
if(data8.file === undefined){
const err21 = {instancePath:instancePath+"/secret_access_key",schemaPath:"#/$defs/secretRef/oneOf/1/required",keyword:"required",params:{missingProperty: "file"},message:"must have required property '"+"file"+"'",schema:schema36.oneOf[1].required,parentSchema:schema36.oneOf[1],data:data8};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
for(const key4 in data8){
if(!(key4 === "file")){
const err22 = {instancePath:instancePath+"/secret_access_key",schemaPath:"#/$defs/secretRef/oneOf/1/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties",schema:false,parentSchema:schema36.oneOf[1],data:data8};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
if(data8.file !== undefined){
let data10 = data8.file;
if(typeof data10 === "string"){
if(!pattern7.test(data10)){
const err23 = {instancePath:instancePath+"/secret_access_key/file",schemaPath:"#/$defs/secretRef/oneOf/1/properties/file/pattern",keyword:"pattern",params:{pattern: "^/"},message:"must match pattern \""+"^/"+"\"",schema:"^/",parentSchema:schema36.oneOf[1].properties.file,data:data10};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
else {
const err24 = {instancePath:instancePath+"/secret_access_key/file",schemaPath:"#/$defs/secretRef/oneOf/1/properties/file/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.oneOf[1].properties.file.type,parentSchema:schema36.oneOf[1].properties.file,data:data10};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
}
else {
const err25 = {instancePath:instancePath+"/secret_access_key",schemaPath:"#/$defs/secretRef/oneOf/1/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.oneOf[1].type,parentSchema:schema36.oneOf[1],data:data8};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
var _valid1 = _errs32 === errors;
if(_valid1 && valid7){
valid7 = false;
passing1 = [passing1, 1];
}
else {
if(_valid1){
valid7 = true;
passing1 = 1;
if(props4 !== true){
props4 = true;
}
}
}
if(!valid7){
const err26 = {instancePath:instancePath+"/secret_access_key",schemaPath:"#/$defs/secretRef/oneOf",keyword:"oneOf",params:{passingSchemas: passing1},message:"must match exactly one schema in oneOf",schema:schema36.oneOf,parentSchema:schema36,data:data8};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
else {
errors = _errs26;
if(vErrors !== null){
if(_errs26){
vErrors.length = _errs26;
}
else {
vErrors = null;
}
}
}
}
}
else {
const err27 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema44.type,parentSchema:schema44,data};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
validate34.errors = vErrors;
return errors === 0;
}
validate34.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema50 = {"type":"object","additionalProperties":false,"required":["path"],"properties":{"kind":{"const":"local"},"path":{"anyOf":[{"type":"string","pattern":"^(/|file:///)"},{"$ref":"#/$defs/envRef"}],"x-expected":"an absolute directory, file:///..., or {env: VARIABLE}"},"prefix":{"$ref":"#/$defs/keyPrefix"}}};
const pattern22 = new RegExp("^(/|file:///)", "u");

function validate40(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate40.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.path === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "path"},message:"must have required property '"+"path"+"'",schema:schema50.required,parentSchema:schema50,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(((key0 === "kind") || (key0 === "path")) || (key0 === "prefix"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema50,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.kind !== undefined){
let data0 = data.kind;
if("local" !== data0){
const err2 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/const",keyword:"const",params:{allowedValue: "local"},message:"must be equal to constant",schema:"local",parentSchema:schema50.properties.kind,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.path !== undefined){
let data1 = data.path;
const _errs4 = errors;
let valid1 = false;
const _errs5 = errors;
if(typeof data1 === "string"){
if(!pattern22.test(data1)){
const err3 = {instancePath:instancePath+"/path",schemaPath:"#/properties/path/anyOf/0/pattern",keyword:"pattern",params:{pattern: "^(/|file:///)"},message:"must match pattern \""+"^(/|file:///)"+"\"",schema:"^(/|file:///)",parentSchema:schema50.properties.path.anyOf[0],data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/path",schemaPath:"#/properties/path/anyOf/0/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema50.properties.path.anyOf[0].type,parentSchema:schema50.properties.path.anyOf[0],data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
var _valid0 = _errs5 === errors;
valid1 = valid1 || _valid0;
const _errs7 = errors;
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
if(data1.env === undefined){
const err5 = {instancePath:instancePath+"/path",schemaPath:"#/$defs/envRef/required",keyword:"required",params:{missingProperty: "env"},message:"must have required property '"+"env"+"'",schema:schema38.required,parentSchema:schema38,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
for(const key1 in data1){
if(!(key1 === "env")){
const err6 = {instancePath:instancePath+"/path",schemaPath:"#/$defs/envRef/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema38,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data1.env !== undefined){
let data2 = data1.env;
if(typeof data2 === "string"){
if(!pattern6.test(data2)){
const err7 = {instancePath:instancePath+"/path/env",schemaPath:"#/$defs/envRef/properties/env/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema38.properties.env,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/path/env",schemaPath:"#/$defs/envRef/properties/env/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema38.properties.env.type,parentSchema:schema38.properties.env,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
else {
const err9 = {instancePath:instancePath+"/path",schemaPath:"#/$defs/envRef/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema38.type,parentSchema:schema38,data:data1};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
var _valid0 = _errs7 === errors;
valid1 = valid1 || _valid0;
if(!valid1){
const err10 = {instancePath:instancePath+"/path",schemaPath:"#/properties/path/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema50.properties.path.anyOf,parentSchema:schema50.properties.path,data:data1};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
else {
errors = _errs4;
if(vErrors !== null){
if(_errs4){
vErrors.length = _errs4;
}
else {
vErrors = null;
}
}
}
}
if(data.prefix !== undefined){
let data3 = data.prefix;
if(typeof data3 === "string"){
if(!pattern15.test(data3)){
const err11 = {instancePath:instancePath+"/prefix",schemaPath:"#/$defs/keyPrefix/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*$"},message:"must match pattern \""+"^[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*$"+"\"",schema:"^[A-Za-z0-9_.=-]+(/[A-Za-z0-9_.=-]+)*$",parentSchema:schema45,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/prefix",schemaPath:"#/$defs/keyPrefix/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema45.type,parentSchema:schema45,data:data3};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
}
else {
const err13 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema50.type,parentSchema:schema50,data};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
validate40.errors = vErrors;
return errors === 0;
}
validate40.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate21(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate21.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
const _errs2 = errors;
let valid1 = true;
const _errs3 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.kind !== undefined){
let data0 = data.kind;
if(!((((data0 === "mariadb") || (data0 === "mysql")) || (data0 === "postgres")) || (data0 === "spark"))){
const err0 = {};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
}
var _valid0 = _errs3 === errors;
errors = _errs2;
if(vErrors !== null){
if(_errs2){
vErrors.length = _errs2;
}
else {
vErrors = null;
}
}
if(_valid0){
const _errs5 = errors;
if(!(validate22(data, {instancePath,parentData,parentDataProperty,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate22.errors : vErrors.concat(validate22.errors);
errors = vErrors.length;
}
var _valid0 = _errs5 === errors;
valid1 = _valid0;
if(valid1){
var props0 = true;
}
}
if(!valid1){
const err1 = {instancePath,schemaPath:"#/allOf/0/if",keyword:"if",params:{failingKeyword: "then"},message:"must match \"then\" schema",schema:schema34.allOf[0].if,parentSchema:schema34.allOf[0],data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
const _errs7 = errors;
let valid3 = true;
const _errs8 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.kind !== undefined){
if("s3" !== data.kind){
const err2 = {};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
}
var _valid1 = _errs8 === errors;
errors = _errs7;
if(vErrors !== null){
if(_errs7){
vErrors.length = _errs7;
}
else {
vErrors = null;
}
}
if(_valid1){
const _errs10 = errors;
if(!(validate34(data, {instancePath,parentData,parentDataProperty,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate34.errors : vErrors.concat(validate34.errors);
errors = vErrors.length;
}
var _valid1 = _errs10 === errors;
valid3 = _valid1;
if(valid3){
var props1 = true;
}
}
if(!valid3){
const err3 = {instancePath,schemaPath:"#/allOf/1/if",keyword:"if",params:{failingKeyword: "then"},message:"must match \"then\" schema",schema:schema34.allOf[1].if,parentSchema:schema34.allOf[1],data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(props0 !== true && props1 !== undefined){
if(props1 === true){
props0 = true;
}
else {
props0 = props0 || {};
Object.assign(props0, props1);
}
}
const _errs12 = errors;
let valid5 = true;
const _errs13 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.kind !== undefined){
if("local" !== data.kind){
const err4 = {};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
}
var _valid2 = _errs13 === errors;
errors = _errs12;
if(vErrors !== null){
if(_errs12){
vErrors.length = _errs12;
}
else {
vErrors = null;
}
}
if(_valid2){
const _errs15 = errors;
if(!(validate40(data, {instancePath,parentData,parentDataProperty,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate40.errors : vErrors.concat(validate40.errors);
errors = vErrors.length;
}
var _valid2 = _errs15 === errors;
valid5 = _valid2;
if(valid5){
var props2 = true;
}
}
if(!valid5){
const err5 = {instancePath,schemaPath:"#/allOf/2/if",keyword:"if",params:{failingKeyword: "then"},message:"must match \"then\" schema",schema:schema34.allOf[2].if,parentSchema:schema34.allOf[2],data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if(props0 !== true && props2 !== undefined){
if(props2 === true){
props0 = true;
}
else {
props0 = props0 || {};
Object.assign(props0, props2);
}
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.kind === undefined){
const err6 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "kind"},message:"must have required property '"+"kind"+"'",schema:schema34.required,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if(props0 !== true){
props0 = props0 || {};
props0.kind = true;
}
if(data.kind !== undefined){
let data3 = data.kind;
if(!((((((data3 === "mariadb") || (data3 === "mysql")) || (data3 === "postgres")) || (data3 === "spark")) || (data3 === "s3")) || (data3 === "local"))){
const err7 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/enum",keyword:"enum",params:{allowedValues: schema34.properties.kind.enum},message:"must be equal to one of the allowed values",schema:schema34.properties.kind.enum,parentSchema:schema34.properties.kind,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema34.type,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
validate21.errors = vErrors;
evaluated0.props = props0;
return errors === 0;
}
validate21.evaluated = {"dynamicProps":true,"dynamicItems":false};

const schema57 = {"$ref":"#/$defs/tableOptions","type":"object","unevaluatedProperties":false,"description":"Table options applied to every table that does not set them."};
const schema58 = {"type":"object","properties":{"source":{"$ref":"#/$defs/identifier","description":"Source connection name."},"mode":{"enum":["incremental","full","cdc"],"description":"incremental: rows at or after the cursor; full: the whole table in key chunks; cdc: every change from the database's log (docs/cdc.md). Default incremental."},"chunk_size":{"type":"integer","minimum":1,"description":"Rows per key-range chunk of a full load; default 100000."},"lag":{"$ref":"#/$defs/duration","description":"Re-read window behind the watermark; default 0."},"deletes":{"$ref":"#/$defs/deletes"},"bronze":{"$ref":"#/$defs/bronze"},"file_rows":{"type":"integer","minimum":1000,"description":"Rows per parquet file; default 250000."}},"description":"Options a table may set and `defaults` may give for all tables."};
const schema60 = {"anyOf":[{"type":"integer","minimum":0},{"type":"string","pattern":"^[0-9]+(s|m|h|d)$"}],"x-expected":"a duration: seconds, or a string like \"30s\", \"5m\", \"1h\", \"2d\""};
const schema63 = {"type":"object","additionalProperties":false,"properties":{"schema_evolution":{"enum":["add_columns","rescue","fail"],"description":"New source columns: add them, keep them in a `_rescued_data` JSON column, or fail. Default add_columns."},"change_feed":{"type":"boolean","description":"Write the change feed; default true."}}};
const pattern30 = new RegExp("^[0-9]+(s|m|h|d)$", "u");
const schema61 = {"anyOf":[{"enum":["none","reconcile"]},{"type":"object","additionalProperties":false,"required":["mode"],"properties":{"mode":{"const":"none"}}},{"type":"object","additionalProperties":false,"required":["mode","column"],"properties":{"mode":{"const":"soft"},"column":{"$ref":"#/$defs/columnName"},"value":{"type":["string","number","boolean"],"description":"Default true."}}},{"type":"object","additionalProperties":false,"required":["mode"],"properties":{"mode":{"const":"reconcile"},"every_runs":{"type":"integer","minimum":1,"description":"Default 1."}}}],"x-expected":"none, reconcile, {mode: soft, column, value}, or {mode: reconcile, every_runs}"};
const schema62 = {"type":"string","minLength":1,"maxLength":64,"x-expected":"a column name (1 to 64 characters)"};

function validate45(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate45.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
const _errs0 = errors;
let valid0 = false;
const _errs1 = errors;
if(!((data === "none") || (data === "reconcile"))){
const err0 = {instancePath,schemaPath:"#/anyOf/0/enum",keyword:"enum",params:{allowedValues: schema61.anyOf[0].enum},message:"must be equal to one of the allowed values",schema:schema61.anyOf[0].enum,parentSchema:schema61.anyOf[0],data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
var _valid0 = _errs1 === errors;
valid0 = valid0 || _valid0;
const _errs2 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.mode === undefined){
const err1 = {instancePath,schemaPath:"#/anyOf/1/required",keyword:"required",params:{missingProperty: "mode"},message:"must have required property '"+"mode"+"'",schema:schema61.anyOf[1].required,parentSchema:schema61.anyOf[1],data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key0 in data){
if(!(key0 === "mode")){
const err2 = {instancePath,schemaPath:"#/anyOf/1/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema61.anyOf[1],data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.mode !== undefined){
let data0 = data.mode;
if("none" !== data0){
const err3 = {instancePath:instancePath+"/mode",schemaPath:"#/anyOf/1/properties/mode/const",keyword:"const",params:{allowedValue: "none"},message:"must be equal to constant",schema:"none",parentSchema:schema61.anyOf[1].properties.mode,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
}
else {
const err4 = {instancePath,schemaPath:"#/anyOf/1/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema61.anyOf[1].type,parentSchema:schema61.anyOf[1],data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
var _valid0 = _errs2 === errors;
valid0 = valid0 || _valid0;
if(_valid0){
var props0 = true;
}
const _errs6 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.mode === undefined){
const err5 = {instancePath,schemaPath:"#/anyOf/2/required",keyword:"required",params:{missingProperty: "mode"},message:"must have required property '"+"mode"+"'",schema:schema61.anyOf[2].required,parentSchema:schema61.anyOf[2],data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if(data.column === undefined){
const err6 = {instancePath,schemaPath:"#/anyOf/2/required",keyword:"required",params:{missingProperty: "column"},message:"must have required property '"+"column"+"'",schema:schema61.anyOf[2].required,parentSchema:schema61.anyOf[2],data};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
for(const key1 in data){
if(!(((key1 === "mode") || (key1 === "column")) || (key1 === "value"))){
const err7 = {instancePath,schemaPath:"#/anyOf/2/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema61.anyOf[2],data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.mode !== undefined){
let data1 = data.mode;
if("soft" !== data1){
const err8 = {instancePath:instancePath+"/mode",schemaPath:"#/anyOf/2/properties/mode/const",keyword:"const",params:{allowedValue: "soft"},message:"must be equal to constant",schema:"soft",parentSchema:schema61.anyOf[2].properties.mode,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.column !== undefined){
let data2 = data.column;
if(typeof data2 === "string"){
if(func3(data2) > 64){
const err9 = {instancePath:instancePath+"/column",schemaPath:"#/$defs/columnName/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema62,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if(func3(data2) < 1){
const err10 = {instancePath:instancePath+"/column",schemaPath:"#/$defs/columnName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema62,data:data2};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/column",schemaPath:"#/$defs/columnName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema62.type,parentSchema:schema62,data:data2};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.value !== undefined){
let data3 = data.value;
if(((typeof data3 !== "string") && (!((typeof data3 == "number") && (isFinite(data3))))) && (typeof data3 !== "boolean")){
const err12 = {instancePath:instancePath+"/value",schemaPath:"#/anyOf/2/properties/value/type",keyword:"type",params:{type: schema61.anyOf[2].properties.value.type},message:"must be string,number,boolean",schema:schema61.anyOf[2].properties.value.type,parentSchema:schema61.anyOf[2].properties.value,data:data3};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
}
else {
const err13 = {instancePath,schemaPath:"#/anyOf/2/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema61.anyOf[2].type,parentSchema:schema61.anyOf[2],data};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
var _valid0 = _errs6 === errors;
valid0 = valid0 || _valid0;
if(_valid0){
if(props0 !== true){
props0 = true;
}
}
const _errs16 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.mode === undefined){
const err14 = {instancePath,schemaPath:"#/anyOf/3/required",keyword:"required",params:{missingProperty: "mode"},message:"must have required property '"+"mode"+"'",schema:schema61.anyOf[3].required,parentSchema:schema61.anyOf[3],data};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
for(const key2 in data){
if(!((key2 === "mode") || (key2 === "every_runs"))){
const err15 = {instancePath,schemaPath:"#/anyOf/3/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema61.anyOf[3],data};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data.mode !== undefined){
let data4 = data.mode;
if("reconcile" !== data4){
const err16 = {instancePath:instancePath+"/mode",schemaPath:"#/anyOf/3/properties/mode/const",keyword:"const",params:{allowedValue: "reconcile"},message:"must be equal to constant",schema:"reconcile",parentSchema:schema61.anyOf[3].properties.mode,data:data4};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data.every_runs !== undefined){
let data5 = data.every_runs;
if(!(((typeof data5 == "number") && (!(data5 % 1) && !isNaN(data5))) && (isFinite(data5)))){
const err17 = {instancePath:instancePath+"/every_runs",schemaPath:"#/anyOf/3/properties/every_runs/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema61.anyOf[3].properties.every_runs.type,parentSchema:schema61.anyOf[3].properties.every_runs,data:data5};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
if((typeof data5 == "number") && (isFinite(data5))){
if(data5 < 1 || isNaN(data5)){
const err18 = {instancePath:instancePath+"/every_runs",schemaPath:"#/anyOf/3/properties/every_runs/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema61.anyOf[3].properties.every_runs,data:data5};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
}
else {
const err19 = {instancePath,schemaPath:"#/anyOf/3/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema61.anyOf[3].type,parentSchema:schema61.anyOf[3],data};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
var _valid0 = _errs16 === errors;
valid0 = valid0 || _valid0;
if(_valid0){
if(props0 !== true){
props0 = true;
}
}
if(!valid0){
const err20 = {instancePath,schemaPath:"#/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema61.anyOf,parentSchema:schema61,data};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
else {
errors = _errs0;
if(vErrors !== null){
if(_errs0){
vErrors.length = _errs0;
}
else {
vErrors = null;
}
}
}
validate45.errors = vErrors;
evaluated0.props = props0;
return errors === 0;
}
validate45.evaluated = {"dynamicProps":true,"dynamicItems":false};


function validate44(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate44.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.source !== undefined){
let data0 = data.source;
if(typeof data0 === "string"){
if(!pattern4.test(data0)){
const err0 = {instancePath:instancePath+"/source",schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:data0};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
else {
const err1 = {instancePath:instancePath+"/source",schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.mode !== undefined){
let data1 = data.mode;
if(!(((data1 === "incremental") || (data1 === "full")) || (data1 === "cdc"))){
const err2 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/enum",keyword:"enum",params:{allowedValues: schema58.properties.mode.enum},message:"must be equal to one of the allowed values",schema:schema58.properties.mode.enum,parentSchema:schema58.properties.mode,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.chunk_size !== undefined){
let data2 = data.chunk_size;
if(!(((typeof data2 == "number") && (!(data2 % 1) && !isNaN(data2))) && (isFinite(data2)))){
const err3 = {instancePath:instancePath+"/chunk_size",schemaPath:"#/properties/chunk_size/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema58.properties.chunk_size.type,parentSchema:schema58.properties.chunk_size,data:data2};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if((typeof data2 == "number") && (isFinite(data2))){
if(data2 < 1 || isNaN(data2)){
const err4 = {instancePath:instancePath+"/chunk_size",schemaPath:"#/properties/chunk_size/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema58.properties.chunk_size,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
}
if(data.lag !== undefined){
let data3 = data.lag;
const _errs10 = errors;
let valid3 = false;
const _errs11 = errors;
if(!(((typeof data3 == "number") && (!(data3 % 1) && !isNaN(data3))) && (isFinite(data3)))){
const err5 = {instancePath:instancePath+"/lag",schemaPath:"#/$defs/duration/anyOf/0/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema60.anyOf[0].type,parentSchema:schema60.anyOf[0],data:data3};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if((typeof data3 == "number") && (isFinite(data3))){
if(data3 < 0 || isNaN(data3)){
const err6 = {instancePath:instancePath+"/lag",schemaPath:"#/$defs/duration/anyOf/0/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema60.anyOf[0],data:data3};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
var _valid0 = _errs11 === errors;
valid3 = valid3 || _valid0;
const _errs13 = errors;
if(typeof data3 === "string"){
if(!pattern30.test(data3)){
const err7 = {instancePath:instancePath+"/lag",schemaPath:"#/$defs/duration/anyOf/1/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(s|m|h|d)$"},message:"must match pattern \""+"^[0-9]+(s|m|h|d)$"+"\"",schema:"^[0-9]+(s|m|h|d)$",parentSchema:schema60.anyOf[1],data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/lag",schemaPath:"#/$defs/duration/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema60.anyOf[1].type,parentSchema:schema60.anyOf[1],data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
var _valid0 = _errs13 === errors;
valid3 = valid3 || _valid0;
if(!valid3){
const err9 = {instancePath:instancePath+"/lag",schemaPath:"#/$defs/duration/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema60.anyOf,parentSchema:schema60,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
else {
errors = _errs10;
if(vErrors !== null){
if(_errs10){
vErrors.length = _errs10;
}
else {
vErrors = null;
}
}
}
}
if(data.deletes !== undefined){
if(!(validate45(data.deletes, {instancePath:instancePath+"/deletes",parentData:data,parentDataProperty:"deletes",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate45.errors : vErrors.concat(validate45.errors);
errors = vErrors.length;
}
}
if(data.bronze !== undefined){
let data5 = data.bronze;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
for(const key0 in data5){
if(!((key0 === "schema_evolution") || (key0 === "change_feed"))){
const err10 = {instancePath:instancePath+"/bronze",schemaPath:"#/$defs/bronze/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema63,data:data5};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data5.schema_evolution !== undefined){
let data6 = data5.schema_evolution;
if(!(((data6 === "add_columns") || (data6 === "rescue")) || (data6 === "fail"))){
const err11 = {instancePath:instancePath+"/bronze/schema_evolution",schemaPath:"#/$defs/bronze/properties/schema_evolution/enum",keyword:"enum",params:{allowedValues: schema63.properties.schema_evolution.enum},message:"must be equal to one of the allowed values",schema:schema63.properties.schema_evolution.enum,parentSchema:schema63.properties.schema_evolution,data:data6};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data5.change_feed !== undefined){
let data7 = data5.change_feed;
if(typeof data7 !== "boolean"){
const err12 = {instancePath:instancePath+"/bronze/change_feed",schemaPath:"#/$defs/bronze/properties/change_feed/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema63.properties.change_feed.type,parentSchema:schema63.properties.change_feed,data:data7};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
}
else {
const err13 = {instancePath:instancePath+"/bronze",schemaPath:"#/$defs/bronze/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema63.type,parentSchema:schema63,data:data5};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data.file_rows !== undefined){
let data8 = data.file_rows;
if(!(((typeof data8 == "number") && (!(data8 % 1) && !isNaN(data8))) && (isFinite(data8)))){
const err14 = {instancePath:instancePath+"/file_rows",schemaPath:"#/properties/file_rows/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema58.properties.file_rows.type,parentSchema:schema58.properties.file_rows,data:data8};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
if((typeof data8 == "number") && (isFinite(data8))){
if(data8 < 1000 || isNaN(data8)){
const err15 = {instancePath:instancePath+"/file_rows",schemaPath:"#/properties/file_rows/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1000},message:"must be >= 1000",schema:1000,parentSchema:schema58.properties.file_rows,data:data8};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
}
else {
const err16 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema58.type,parentSchema:schema58,data};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
validate44.errors = vErrors;
return errors === 0;
}
validate44.evaluated = {"props":{"source":true,"mode":true,"chunk_size":true,"lag":true,"deletes":true,"bronze":true,"file_rows":true},"dynamicProps":false,"dynamicItems":false};


function validate43(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate43.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(!(validate44(data, {instancePath,parentData,parentDataProperty,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate44.errors : vErrors.concat(validate44.errors);
errors = vErrors.length;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(((((((key0 !== "source") && (key0 !== "mode")) && (key0 !== "chunk_size")) && (key0 !== "lag")) && (key0 !== "deletes")) && (key0 !== "bronze")) && (key0 !== "file_rows")){
const err0 = {instancePath,schemaPath:"#/unevaluatedProperties",keyword:"unevaluatedProperties",params:{unevaluatedProperty: key0},message:"must NOT have unevaluated properties",schema:false,parentSchema:schema57,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
}
else {
const err1 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema57.type,parentSchema:schema57,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
validate43.errors = vErrors;
return errors === 0;
}
validate43.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema64 = {"type":"object","additionalProperties":false,"properties":{"warn_after":{"$ref":"#/$defs/duration","description":"Age of the newest applied change past which the table or model warns."},"error_after":{"$ref":"#/$defs/duration","description":"Age past which it is in error; not below warn_after."}},"description":"Freshness SLA: how old the newest change applied may get. Unset: no SLA; each field falls back to the pipeline's `freshness`."};

function validate49(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate49.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((key0 === "warn_after") || (key0 === "error_after"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema64,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.warn_after !== undefined){
let data0 = data.warn_after;
const _errs4 = errors;
let valid2 = false;
const _errs5 = errors;
if(!(((typeof data0 == "number") && (!(data0 % 1) && !isNaN(data0))) && (isFinite(data0)))){
const err1 = {instancePath:instancePath+"/warn_after",schemaPath:"#/$defs/duration/anyOf/0/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema60.anyOf[0].type,parentSchema:schema60.anyOf[0],data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if((typeof data0 == "number") && (isFinite(data0))){
if(data0 < 0 || isNaN(data0)){
const err2 = {instancePath:instancePath+"/warn_after",schemaPath:"#/$defs/duration/anyOf/0/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema60.anyOf[0],data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
var _valid0 = _errs5 === errors;
valid2 = valid2 || _valid0;
const _errs7 = errors;
if(typeof data0 === "string"){
if(!pattern30.test(data0)){
const err3 = {instancePath:instancePath+"/warn_after",schemaPath:"#/$defs/duration/anyOf/1/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(s|m|h|d)$"},message:"must match pattern \""+"^[0-9]+(s|m|h|d)$"+"\"",schema:"^[0-9]+(s|m|h|d)$",parentSchema:schema60.anyOf[1],data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/warn_after",schemaPath:"#/$defs/duration/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema60.anyOf[1].type,parentSchema:schema60.anyOf[1],data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
var _valid0 = _errs7 === errors;
valid2 = valid2 || _valid0;
if(!valid2){
const err5 = {instancePath:instancePath+"/warn_after",schemaPath:"#/$defs/duration/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema60.anyOf,parentSchema:schema60,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
else {
errors = _errs4;
if(vErrors !== null){
if(_errs4){
vErrors.length = _errs4;
}
else {
vErrors = null;
}
}
}
}
if(data.error_after !== undefined){
let data1 = data.error_after;
const _errs12 = errors;
let valid4 = false;
const _errs13 = errors;
if(!(((typeof data1 == "number") && (!(data1 % 1) && !isNaN(data1))) && (isFinite(data1)))){
const err6 = {instancePath:instancePath+"/error_after",schemaPath:"#/$defs/duration/anyOf/0/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema60.anyOf[0].type,parentSchema:schema60.anyOf[0],data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if((typeof data1 == "number") && (isFinite(data1))){
if(data1 < 0 || isNaN(data1)){
const err7 = {instancePath:instancePath+"/error_after",schemaPath:"#/$defs/duration/anyOf/0/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema60.anyOf[0],data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
var _valid1 = _errs13 === errors;
valid4 = valid4 || _valid1;
const _errs15 = errors;
if(typeof data1 === "string"){
if(!pattern30.test(data1)){
const err8 = {instancePath:instancePath+"/error_after",schemaPath:"#/$defs/duration/anyOf/1/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(s|m|h|d)$"},message:"must match pattern \""+"^[0-9]+(s|m|h|d)$"+"\"",schema:"^[0-9]+(s|m|h|d)$",parentSchema:schema60.anyOf[1],data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/error_after",schemaPath:"#/$defs/duration/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema60.anyOf[1].type,parentSchema:schema60.anyOf[1],data:data1};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
var _valid1 = _errs15 === errors;
valid4 = valid4 || _valid1;
if(!valid4){
const err10 = {instancePath:instancePath+"/error_after",schemaPath:"#/$defs/duration/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema60.anyOf,parentSchema:schema60,data:data1};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
else {
errors = _errs12;
if(vErrors !== null){
if(_errs12){
vErrors.length = _errs12;
}
else {
vErrors = null;
}
}
}
}
}
else {
const err11 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema64.type,parentSchema:schema64,data};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
validate49.errors = vErrors;
return errors === 0;
}
validate49.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema67 = {"type":"object","$ref":"#/$defs/tableOptions","required":["name","primary_key"],"unevaluatedProperties":false,"properties":{"name":{"$ref":"#/$defs/identifier","description":"Bronze table name."},"table":{"type":"string","pattern":"^[^.\\s]+(\\.[^.\\s]+)?$","x-expected":"a source table name, optionally schema.table","description":"Source table; default: the name."},"query":{"type":"string","minLength":1,"description":"A SELECT instead of a table."},"primary_key":{"$ref":"#/$defs/keyList"},"cursor":{"$ref":"#/$defs/columnList"},"columns":{"type":"object","additionalProperties":false,"properties":{"include":{"$ref":"#/$defs/columnList"},"exclude":{"$ref":"#/$defs/columnList"}}},"type_overrides":{"type":"object","propertyNames":{"$ref":"#/$defs/columnName"},"additionalProperties":{"$ref":"#/$defs/sqlType"}},"cluster_by":{"$ref":"#/$defs/columnList"},"freshness":{"$ref":"#/$defs/freshness"},"partition_by":{"type":"object","additionalProperties":false,"required":["column"],"properties":{"column":{"$ref":"#/$defs/columnName"},"kind":{"enum":["list","hash"],"description":"Default list."},"partitions":{"type":"integer","minimum":2,"maximum":1024}}}}};
const schema74 = {"type":"string","pattern":"^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$","x-expected":"a warehouse type such as text, bigint, numeric(20,4), timestamptz, jsonb"};
const schema69 = {"type":"array","uniqueItems":true,"minItems":1,"items":{"$ref":"#/$defs/columnName"},"x-expected":"a non-empty array of column names"};
const func0 = require("ajv/dist/runtime/equal").default;

function validate53(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate53.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(Array.isArray(data)){
if(data.length < 1){
const err0 = {instancePath,schemaPath:"#/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema69,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
const len0 = data.length;
for(let i0=0; i0<len0; i0++){
let data0 = data[i0];
if(typeof data0 === "string"){
if(func3(data0) > 64){
const err1 = {instancePath:instancePath+"/" + i0,schemaPath:"#/$defs/columnName/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema62,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(func3(data0) < 1){
const err2 = {instancePath:instancePath+"/" + i0,schemaPath:"#/$defs/columnName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema62,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/" + i0,schemaPath:"#/$defs/columnName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema62.type,parentSchema:schema62,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
let i1 = data.length;
let j0;
if(i1 > 1){
outer0:
for(;i1--;){
for(j0 = i1; j0--;){
if(func0(data[i1], data[j0])){
const err4 = {instancePath,schemaPath:"#/uniqueItems",keyword:"uniqueItems",params:{i: i1, j: j0},message:"must NOT have duplicate items (items ## "+j0+" and "+i1+" are identical)",schema:true,parentSchema:schema69,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
break outer0;
}
}
}
}
}
else {
const err5 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema69.type,parentSchema:schema69,data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
validate53.errors = vErrors;
return errors === 0;
}
validate53.evaluated = {"items":true,"dynamicProps":false,"dynamicItems":false};

const schema71 = {"type":"array","uniqueItems":true,"items":{"$ref":"#/$defs/columnName"},"x-expected":"an array of column names"};

function validate55(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate55.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(Array.isArray(data)){
const len0 = data.length;
for(let i0=0; i0<len0; i0++){
let data0 = data[i0];
if(typeof data0 === "string"){
if(func3(data0) > 64){
const err0 = {instancePath:instancePath+"/" + i0,schemaPath:"#/$defs/columnName/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema62,data:data0};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(func3(data0) < 1){
const err1 = {instancePath:instancePath+"/" + i0,schemaPath:"#/$defs/columnName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema62,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
else {
const err2 = {instancePath:instancePath+"/" + i0,schemaPath:"#/$defs/columnName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema62.type,parentSchema:schema62,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
let i1 = data.length;
let j0;
if(i1 > 1){
outer0:
for(;i1--;){
for(j0 = i1; j0--;){
if(func0(data[i1], data[j0])){
const err3 = {instancePath,schemaPath:"#/uniqueItems",keyword:"uniqueItems",params:{i: i1, j: j0},message:"must NOT have duplicate items (items ## "+j0+" and "+i1+" are identical)",schema:true,parentSchema:schema71,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
break outer0;
}
}
}
}
}
else {
const err4 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema71.type,parentSchema:schema71,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
validate55.errors = vErrors;
return errors === 0;
}
validate55.evaluated = {"items":true,"dynamicProps":false,"dynamicItems":false};

const pattern34 = new RegExp("^[^.\\s]+(\\.[^.\\s]+)?$", "u");
const pattern35 = new RegExp("^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$", "u");

function validate51(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate51.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(!(validate44(data, {instancePath,parentData,parentDataProperty,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate44.errors : vErrors.concat(validate44.errors);
errors = vErrors.length;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.name === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema67.required,parentSchema:schema67,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.primary_key === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "primary_key"},message:"must have required property '"+"primary_key"+"'",schema:schema67.required,parentSchema:schema67,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.name !== undefined){
let data0 = data.name;
if(typeof data0 === "string"){
if(!pattern4.test(data0)){
const err2 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.table !== undefined){
let data1 = data.table;
if(typeof data1 === "string"){
if(!pattern34.test(data1)){
const err4 = {instancePath:instancePath+"/table",schemaPath:"#/properties/table/pattern",keyword:"pattern",params:{pattern: "^[^.\\s]+(\\.[^.\\s]+)?$"},message:"must match pattern \""+"^[^.\\s]+(\\.[^.\\s]+)?$"+"\"",schema:"^[^.\\s]+(\\.[^.\\s]+)?$",parentSchema:schema67.properties.table,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/table",schemaPath:"#/properties/table/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema67.properties.table.type,parentSchema:schema67.properties.table,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.query !== undefined){
let data2 = data.query;
if(typeof data2 === "string"){
if(func3(data2) < 1){
const err6 = {instancePath:instancePath+"/query",schemaPath:"#/properties/query/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema67.properties.query,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/query",schemaPath:"#/properties/query/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema67.properties.query.type,parentSchema:schema67.properties.query,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.primary_key !== undefined){
if(!(validate53(data.primary_key, {instancePath:instancePath+"/primary_key",parentData:data,parentDataProperty:"primary_key",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate53.errors : vErrors.concat(validate53.errors);
errors = vErrors.length;
}
}
if(data.cursor !== undefined){
if(!(validate55(data.cursor, {instancePath:instancePath+"/cursor",parentData:data,parentDataProperty:"cursor",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate55.errors : vErrors.concat(validate55.errors);
errors = vErrors.length;
}
}
if(data.columns !== undefined){
let data5 = data.columns;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
for(const key0 in data5){
if(!((key0 === "include") || (key0 === "exclude"))){
const err8 = {instancePath:instancePath+"/columns",schemaPath:"#/properties/columns/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema67.properties.columns,data:data5};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data5.include !== undefined){
if(!(validate55(data5.include, {instancePath:instancePath+"/columns/include",parentData:data5,parentDataProperty:"include",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate55.errors : vErrors.concat(validate55.errors);
errors = vErrors.length;
}
}
if(data5.exclude !== undefined){
if(!(validate55(data5.exclude, {instancePath:instancePath+"/columns/exclude",parentData:data5,parentDataProperty:"exclude",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate55.errors : vErrors.concat(validate55.errors);
errors = vErrors.length;
}
}
}
else {
const err9 = {instancePath:instancePath+"/columns",schemaPath:"#/properties/columns/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema67.properties.columns.type,parentSchema:schema67.properties.columns,data:data5};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.type_overrides !== undefined){
let data8 = data.type_overrides;
if(data8 && typeof data8 == "object" && !Array.isArray(data8)){
for(const key1 in data8){
const _errs19 = errors;
if(typeof key1 === "string"){
if(func3(key1) > 64){
const err10 = {instancePath:instancePath+"/type_overrides",schemaPath:"#/$defs/columnName/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema62,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
if(func3(key1) < 1){
const err11 = {instancePath:instancePath+"/type_overrides",schemaPath:"#/$defs/columnName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema62,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/type_overrides",schemaPath:"#/$defs/columnName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema62.type,parentSchema:schema62,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
var valid3 = _errs19 === errors;
if(!valid3){
const err13 = {instancePath:instancePath+"/type_overrides",schemaPath:"#/properties/type_overrides/propertyNames",keyword:"propertyNames",params:{propertyName: key1},message:"property name must be valid",schema:schema67.properties.type_overrides.propertyNames,parentSchema:schema67.properties.type_overrides,data:data8};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
for(const key2 in data8){
let data9 = data8[key2];
if(typeof data9 === "string"){
if(!pattern35.test(data9)){
const err14 = {instancePath:instancePath+"/type_overrides/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/sqlType/pattern",keyword:"pattern",params:{pattern: "^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$"},message:"must match pattern \""+"^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$"+"\"",schema:"^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$",parentSchema:schema74,data:data9};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
else {
const err15 = {instancePath:instancePath+"/type_overrides/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/sqlType/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema74.type,parentSchema:schema74,data:data9};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
else {
const err16 = {instancePath:instancePath+"/type_overrides",schemaPath:"#/properties/type_overrides/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema67.properties.type_overrides.type,parentSchema:schema67.properties.type_overrides,data:data8};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data.cluster_by !== undefined){
if(!(validate55(data.cluster_by, {instancePath:instancePath+"/cluster_by",parentData:data,parentDataProperty:"cluster_by",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate55.errors : vErrors.concat(validate55.errors);
errors = vErrors.length;
}
}
if(data.freshness !== undefined){
if(!(validate49(data.freshness, {instancePath:instancePath+"/freshness",parentData:data,parentDataProperty:"freshness",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate49.errors : vErrors.concat(validate49.errors);
errors = vErrors.length;
}
}
if(data.partition_by !== undefined){
let data12 = data.partition_by;
if(data12 && typeof data12 == "object" && !Array.isArray(data12)){
if(data12.column === undefined){
const err17 = {instancePath:instancePath+"/partition_by",schemaPath:"#/properties/partition_by/required",keyword:"required",params:{missingProperty: "column"},message:"must have required property '"+"column"+"'",schema:schema67.properties.partition_by.required,parentSchema:schema67.properties.partition_by,data:data12};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
for(const key3 in data12){
if(!(((key3 === "column") || (key3 === "kind")) || (key3 === "partitions"))){
const err18 = {instancePath:instancePath+"/partition_by",schemaPath:"#/properties/partition_by/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema67.properties.partition_by,data:data12};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
if(data12.column !== undefined){
let data13 = data12.column;
if(typeof data13 === "string"){
if(func3(data13) > 64){
const err19 = {instancePath:instancePath+"/partition_by/column",schemaPath:"#/$defs/columnName/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema62,data:data13};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
if(func3(data13) < 1){
const err20 = {instancePath:instancePath+"/partition_by/column",schemaPath:"#/$defs/columnName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema62,data:data13};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
else {
const err21 = {instancePath:instancePath+"/partition_by/column",schemaPath:"#/$defs/columnName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema62.type,parentSchema:schema62,data:data13};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data12.kind !== undefined){
let data14 = data12.kind;
if(!((data14 === "list") || (data14 === "hash"))){
const err22 = {instancePath:instancePath+"/partition_by/kind",schemaPath:"#/properties/partition_by/properties/kind/enum",keyword:"enum",params:{allowedValues: schema67.properties.partition_by.properties.kind.enum},message:"must be equal to one of the allowed values",schema:schema67.properties.partition_by.properties.kind.enum,parentSchema:schema67.properties.partition_by.properties.kind,data:data14};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
if(data12.partitions !== undefined){
let data15 = data12.partitions;
if(!(((typeof data15 == "number") && (!(data15 % 1) && !isNaN(data15))) && (isFinite(data15)))){
const err23 = {instancePath:instancePath+"/partition_by/partitions",schemaPath:"#/properties/partition_by/properties/partitions/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema67.properties.partition_by.properties.partitions.type,parentSchema:schema67.properties.partition_by.properties.partitions,data:data15};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
if((typeof data15 == "number") && (isFinite(data15))){
if(data15 > 1024 || isNaN(data15)){
const err24 = {instancePath:instancePath+"/partition_by/partitions",schemaPath:"#/properties/partition_by/properties/partitions/maximum",keyword:"maximum",params:{comparison: "<=", limit: 1024},message:"must be <= 1024",schema:1024,parentSchema:schema67.properties.partition_by.properties.partitions,data:data15};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
if(data15 < 2 || isNaN(data15)){
const err25 = {instancePath:instancePath+"/partition_by/partitions",schemaPath:"#/properties/partition_by/properties/partitions/minimum",keyword:"minimum",params:{comparison: ">=", limit: 2},message:"must be >= 2",schema:2,parentSchema:schema67.properties.partition_by.properties.partitions,data:data15};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
}
}
else {
const err26 = {instancePath:instancePath+"/partition_by",schemaPath:"#/properties/partition_by/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema67.properties.partition_by.type,parentSchema:schema67.properties.partition_by,data:data12};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
for(const key4 in data){
if(((((((((((((((((key4 !== "name") && (key4 !== "table")) && (key4 !== "query")) && (key4 !== "primary_key")) && (key4 !== "cursor")) && (key4 !== "columns")) && (key4 !== "type_overrides")) && (key4 !== "cluster_by")) && (key4 !== "freshness")) && (key4 !== "partition_by")) && (key4 !== "source")) && (key4 !== "mode")) && (key4 !== "chunk_size")) && (key4 !== "lag")) && (key4 !== "deletes")) && (key4 !== "bronze")) && (key4 !== "file_rows")){
const err27 = {instancePath,schemaPath:"#/unevaluatedProperties",keyword:"unevaluatedProperties",params:{unevaluatedProperty: key4},message:"must NOT have unevaluated properties",schema:false,parentSchema:schema67,data};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
}
else {
const err28 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema67.type,parentSchema:schema67,data};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
validate51.errors = vErrors;
return errors === 0;
}
validate51.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema76 = {"type":"object","additionalProperties":false,"required":["name","from"],"properties":{"name":{"$ref":"#/$defs/identifier"},"from":{"$ref":"#/$defs/identifier","description":"The bronze table (a tables[].name) this model reads."},"key":{"type":"array","minItems":1,"uniqueItems":true,"items":{"$ref":"#/$defs/identifier"},"x-expected":"an array of silver column names","description":"Default: the bronze table's primary key."},"include_all":{"type":"boolean","description":"Also copy every bronze column not named in columns; default false."},"columns":{"type":"array","items":{"$ref":"#/$defs/silverColumn"},"x-expected":"a list of columns"},"where":{"type":"string","minLength":1,"description":"SQL predicate over bronze columns."},"scd":{"enum":[1,2],"description":"Slowly changing dimension type; default 1."},"freshness":{"$ref":"#/$defs/freshness"}}};
const schema80 = {"anyOf":[{"$ref":"#/$defs/identifier"},{"type":"object","additionalProperties":false,"required":["name","from"],"properties":{"name":{"$ref":"#/$defs/identifier"},"from":{"$ref":"#/$defs/columnName"},"type":{"$ref":"#/$defs/sqlType"}}},{"type":"object","additionalProperties":false,"required":["name","json","type"],"properties":{"name":{"$ref":"#/$defs/identifier"},"json":{"type":"object","additionalProperties":false,"required":["column","path"],"properties":{"column":{"$ref":"#/$defs/columnName"},"path":{"type":"string","pattern":"^\\$(\\.[A-Za-z_][A-Za-z0-9_]*|\\[[0-9]+\\])*$"}}},"type":{"$ref":"#/$defs/sqlType"}}},{"type":"object","additionalProperties":false,"required":["name","expr","type"],"properties":{"name":{"$ref":"#/$defs/identifier"},"expr":{"type":"string","minLength":1},"type":{"$ref":"#/$defs/sqlType"}}}],"x-expected":"a column name, {name, from, type?}, {name, json: {column, path: $.a.b}, type} or {name, expr, type}"};
const pattern43 = new RegExp("^\\$(\\.[A-Za-z_][A-Za-z0-9_]*|\\[[0-9]+\\])*$", "u");

function validate63(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate63.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
const _errs0 = errors;
let valid0 = false;
const _errs1 = errors;
if(typeof data === "string"){
if(!pattern4.test(data)){
const err0 = {instancePath,schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
else {
const err1 = {instancePath,schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
var _valid0 = _errs1 === errors;
valid0 = valid0 || _valid0;
const _errs5 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.name === undefined){
const err2 = {instancePath,schemaPath:"#/anyOf/1/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema80.anyOf[1].required,parentSchema:schema80.anyOf[1],data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.from === undefined){
const err3 = {instancePath,schemaPath:"#/anyOf/1/required",keyword:"required",params:{missingProperty: "from"},message:"must have required property '"+"from"+"'",schema:schema80.anyOf[1].required,parentSchema:schema80.anyOf[1],data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
for(const key0 in data){
if(!(((key0 === "name") || (key0 === "from")) || (key0 === "type"))){
const err4 = {instancePath,schemaPath:"#/anyOf/1/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema80.anyOf[1],data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.name !== undefined){
let data0 = data.name;
if(typeof data0 === "string"){
if(!pattern4.test(data0)){
const err5 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.from !== undefined){
let data1 = data.from;
if(typeof data1 === "string"){
if(func3(data1) > 64){
const err7 = {instancePath:instancePath+"/from",schemaPath:"#/$defs/columnName/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema62,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if(func3(data1) < 1){
const err8 = {instancePath:instancePath+"/from",schemaPath:"#/$defs/columnName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema62,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/from",schemaPath:"#/$defs/columnName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema62.type,parentSchema:schema62,data:data1};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.type !== undefined){
let data2 = data.type;
if(typeof data2 === "string"){
if(!pattern35.test(data2)){
const err10 = {instancePath:instancePath+"/type",schemaPath:"#/$defs/sqlType/pattern",keyword:"pattern",params:{pattern: "^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$"},message:"must match pattern \""+"^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$"+"\"",schema:"^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$",parentSchema:schema74,data:data2};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/type",schemaPath:"#/$defs/sqlType/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema74.type,parentSchema:schema74,data:data2};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
}
else {
const err12 = {instancePath,schemaPath:"#/anyOf/1/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema80.anyOf[1].type,parentSchema:schema80.anyOf[1],data};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
var _valid0 = _errs5 === errors;
valid0 = valid0 || _valid0;
if(_valid0){
var props0 = true;
}
const _errs20 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.name === undefined){
const err13 = {instancePath,schemaPath:"#/anyOf/2/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema80.anyOf[2].required,parentSchema:schema80.anyOf[2],data};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
if(data.json === undefined){
const err14 = {instancePath,schemaPath:"#/anyOf/2/required",keyword:"required",params:{missingProperty: "json"},message:"must have required property '"+"json"+"'",schema:schema80.anyOf[2].required,parentSchema:schema80.anyOf[2],data};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
if(data.type === undefined){
const err15 = {instancePath,schemaPath:"#/anyOf/2/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema80.anyOf[2].required,parentSchema:schema80.anyOf[2],data};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
for(const key1 in data){
if(!(((key1 === "name") || (key1 === "json")) || (key1 === "type"))){
const err16 = {instancePath,schemaPath:"#/anyOf/2/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema80.anyOf[2],data};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data.name !== undefined){
let data3 = data.name;
if(typeof data3 === "string"){
if(!pattern4.test(data3)){
const err17 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:data3};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data3};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
if(data.json !== undefined){
let data4 = data.json;
if(data4 && typeof data4 == "object" && !Array.isArray(data4)){
if(data4.column === undefined){
const err19 = {instancePath:instancePath+"/json",schemaPath:"#/anyOf/2/properties/json/required",keyword:"required",params:{missingProperty: "column"},message:"must have required property '"+"column"+"'",schema:schema80.anyOf[2].properties.json.required,parentSchema:schema80.anyOf[2].properties.json,data:data4};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
if(data4.path === undefined){
const err20 = {instancePath:instancePath+"/json",schemaPath:"#/anyOf/2/properties/json/required",keyword:"required",params:{missingProperty: "path"},message:"must have required property '"+"path"+"'",schema:schema80.anyOf[2].properties.json.required,parentSchema:schema80.anyOf[2].properties.json,data:data4};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
for(const key2 in data4){
if(!((key2 === "column") || (key2 === "path"))){
const err21 = {instancePath:instancePath+"/json",schemaPath:"#/anyOf/2/properties/json/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema80.anyOf[2].properties.json,data:data4};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data4.column !== undefined){
let data5 = data4.column;
if(typeof data5 === "string"){
if(func3(data5) > 64){
const err22 = {instancePath:instancePath+"/json/column",schemaPath:"#/$defs/columnName/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema62,data:data5};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
if(func3(data5) < 1){
const err23 = {instancePath:instancePath+"/json/column",schemaPath:"#/$defs/columnName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema62,data:data5};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
else {
const err24 = {instancePath:instancePath+"/json/column",schemaPath:"#/$defs/columnName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema62.type,parentSchema:schema62,data:data5};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
if(data4.path !== undefined){
let data6 = data4.path;
if(typeof data6 === "string"){
if(!pattern43.test(data6)){
const err25 = {instancePath:instancePath+"/json/path",schemaPath:"#/anyOf/2/properties/json/properties/path/pattern",keyword:"pattern",params:{pattern: "^\\$(\\.[A-Za-z_][A-Za-z0-9_]*|\\[[0-9]+\\])*$"},message:"must match pattern \""+"^\\$(\\.[A-Za-z_][A-Za-z0-9_]*|\\[[0-9]+\\])*$"+"\"",schema:"^\\$(\\.[A-Za-z_][A-Za-z0-9_]*|\\[[0-9]+\\])*$",parentSchema:schema80.anyOf[2].properties.json.properties.path,data:data6};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
else {
const err26 = {instancePath:instancePath+"/json/path",schemaPath:"#/anyOf/2/properties/json/properties/path/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema80.anyOf[2].properties.json.properties.path.type,parentSchema:schema80.anyOf[2].properties.json.properties.path,data:data6};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
}
else {
const err27 = {instancePath:instancePath+"/json",schemaPath:"#/anyOf/2/properties/json/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema80.anyOf[2].properties.json.type,parentSchema:schema80.anyOf[2].properties.json,data:data4};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
if(data.type !== undefined){
let data7 = data.type;
if(typeof data7 === "string"){
if(!pattern35.test(data7)){
const err28 = {instancePath:instancePath+"/type",schemaPath:"#/$defs/sqlType/pattern",keyword:"pattern",params:{pattern: "^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$"},message:"must match pattern \""+"^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$"+"\"",schema:"^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$",parentSchema:schema74,data:data7};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
else {
const err29 = {instancePath:instancePath+"/type",schemaPath:"#/$defs/sqlType/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema74.type,parentSchema:schema74,data:data7};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
}
else {
const err30 = {instancePath,schemaPath:"#/anyOf/2/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema80.anyOf[2].type,parentSchema:schema80.anyOf[2],data};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
var _valid0 = _errs20 === errors;
valid0 = valid0 || _valid0;
if(_valid0){
if(props0 !== true){
props0 = true;
}
}
const _errs40 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.name === undefined){
const err31 = {instancePath,schemaPath:"#/anyOf/3/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema80.anyOf[3].required,parentSchema:schema80.anyOf[3],data};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
if(data.expr === undefined){
const err32 = {instancePath,schemaPath:"#/anyOf/3/required",keyword:"required",params:{missingProperty: "expr"},message:"must have required property '"+"expr"+"'",schema:schema80.anyOf[3].required,parentSchema:schema80.anyOf[3],data};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
if(data.type === undefined){
const err33 = {instancePath,schemaPath:"#/anyOf/3/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema80.anyOf[3].required,parentSchema:schema80.anyOf[3],data};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
for(const key3 in data){
if(!(((key3 === "name") || (key3 === "expr")) || (key3 === "type"))){
const err34 = {instancePath,schemaPath:"#/anyOf/3/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema80.anyOf[3],data};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
if(data.name !== undefined){
let data8 = data.name;
if(typeof data8 === "string"){
if(!pattern4.test(data8)){
const err35 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:data8};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
}
else {
const err36 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data8};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
}
if(data.expr !== undefined){
let data9 = data.expr;
if(typeof data9 === "string"){
if(func3(data9) < 1){
const err37 = {instancePath:instancePath+"/expr",schemaPath:"#/anyOf/3/properties/expr/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema80.anyOf[3].properties.expr,data:data9};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
}
else {
const err38 = {instancePath:instancePath+"/expr",schemaPath:"#/anyOf/3/properties/expr/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema80.anyOf[3].properties.expr.type,parentSchema:schema80.anyOf[3].properties.expr,data:data9};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
}
if(data.type !== undefined){
let data10 = data.type;
if(typeof data10 === "string"){
if(!pattern35.test(data10)){
const err39 = {instancePath:instancePath+"/type",schemaPath:"#/$defs/sqlType/pattern",keyword:"pattern",params:{pattern: "^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$"},message:"must match pattern \""+"^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$"+"\"",schema:"^[a-z][a-z0-9_ ]*(\\([0-9]+(, ?[0-9]+)?\\))?( ?\\[\\])?$",parentSchema:schema74,data:data10};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
}
else {
const err40 = {instancePath:instancePath+"/type",schemaPath:"#/$defs/sqlType/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema74.type,parentSchema:schema74,data:data10};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
}
}
else {
const err41 = {instancePath,schemaPath:"#/anyOf/3/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema80.anyOf[3].type,parentSchema:schema80.anyOf[3],data};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
var _valid0 = _errs40 === errors;
valid0 = valid0 || _valid0;
if(_valid0){
if(props0 !== true){
props0 = true;
}
}
if(!valid0){
const err42 = {instancePath,schemaPath:"#/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema80.anyOf,parentSchema:schema80,data};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
else {
errors = _errs0;
if(vErrors !== null){
if(_errs0){
vErrors.length = _errs0;
}
else {
vErrors = null;
}
}
}
validate63.errors = vErrors;
evaluated0.props = props0;
return errors === 0;
}
validate63.evaluated = {"dynamicProps":true,"dynamicItems":false};


function validate62(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate62.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.name === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema76.required,parentSchema:schema76,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.from === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "from"},message:"must have required property '"+"from"+"'",schema:schema76.required,parentSchema:schema76,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key0 in data){
if(!((((((((key0 === "name") || (key0 === "from")) || (key0 === "key")) || (key0 === "include_all")) || (key0 === "columns")) || (key0 === "where")) || (key0 === "scd")) || (key0 === "freshness"))){
const err2 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema76,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.name !== undefined){
let data0 = data.name;
if(typeof data0 === "string"){
if(!pattern4.test(data0)){
const err3 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.from !== undefined){
let data1 = data.from;
if(typeof data1 === "string"){
if(!pattern4.test(data1)){
const err5 = {instancePath:instancePath+"/from",schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/from",schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.key !== undefined){
let data2 = data.key;
if(Array.isArray(data2)){
if(data2.length < 1){
const err7 = {instancePath:instancePath+"/key",schemaPath:"#/properties/key/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema76.properties.key,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
const len0 = data2.length;
for(let i0=0; i0<len0; i0++){
let data3 = data2[i0];
if(typeof data3 === "string"){
if(!pattern4.test(data3)){
const err8 = {instancePath:instancePath+"/key/" + i0,schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/key/" + i0,schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
let i1 = data2.length;
let j0;
if(i1 > 1){
outer0:
for(;i1--;){
for(j0 = i1; j0--;){
if(func0(data2[i1], data2[j0])){
const err10 = {instancePath:instancePath+"/key",schemaPath:"#/properties/key/uniqueItems",keyword:"uniqueItems",params:{i: i1, j: j0},message:"must NOT have duplicate items (items ## "+j0+" and "+i1+" are identical)",schema:true,parentSchema:schema76.properties.key,data:data2};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
break outer0;
}
}
}
}
}
else {
const err11 = {instancePath:instancePath+"/key",schemaPath:"#/properties/key/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema76.properties.key.type,parentSchema:schema76.properties.key,data:data2};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.include_all !== undefined){
let data4 = data.include_all;
if(typeof data4 !== "boolean"){
const err12 = {instancePath:instancePath+"/include_all",schemaPath:"#/properties/include_all/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema76.properties.include_all.type,parentSchema:schema76.properties.include_all,data:data4};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.columns !== undefined){
let data5 = data.columns;
if(Array.isArray(data5)){
const len1 = data5.length;
for(let i2=0; i2<len1; i2++){
if(!(validate63(data5[i2], {instancePath:instancePath+"/columns/" + i2,parentData:data5,parentDataProperty:i2,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate63.errors : vErrors.concat(validate63.errors);
errors = vErrors.length;
}
}
}
else {
const err13 = {instancePath:instancePath+"/columns",schemaPath:"#/properties/columns/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema76.properties.columns.type,parentSchema:schema76.properties.columns,data:data5};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data.where !== undefined){
let data7 = data.where;
if(typeof data7 === "string"){
if(func3(data7) < 1){
const err14 = {instancePath:instancePath+"/where",schemaPath:"#/properties/where/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema76.properties.where,data:data7};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
else {
const err15 = {instancePath:instancePath+"/where",schemaPath:"#/properties/where/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema76.properties.where.type,parentSchema:schema76.properties.where,data:data7};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data.scd !== undefined){
let data8 = data.scd;
if(!((data8 === 1) || (data8 === 2))){
const err16 = {instancePath:instancePath+"/scd",schemaPath:"#/properties/scd/enum",keyword:"enum",params:{allowedValues: schema76.properties.scd.enum},message:"must be equal to one of the allowed values",schema:schema76.properties.scd.enum,parentSchema:schema76.properties.scd,data:data8};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data.freshness !== undefined){
if(!(validate49(data.freshness, {instancePath:instancePath+"/freshness",parentData:data,parentDataProperty:"freshness",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate49.errors : vErrors.concat(validate49.errors);
errors = vErrors.length;
}
}
}
else {
const err17 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema76.type,parentSchema:schema76,data};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
validate62.errors = vErrors;
return errors === 0;
}
validate62.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema90 = {"type":"object","additionalProperties":false,"properties":{"schedule":{"type":["string","null"],"pattern":"^(@(once|hourly|daily|weekly|monthly|yearly)|\\S+( \\S+){4,5})$","x-expected":"a cron expression (5 or 6 fields), a preset such as @hourly, or null","description":"Default null: runs only when triggered."},"start_date":{"type":"string","pattern":"^[0-9]{4}-[0-9]{2}-[0-9]{2}$","x-expected":"a date YYYY-MM-DD","description":"Default 2024-01-01."},"pool":{"type":["string","null"],"pattern":"^[A-Za-z0-9_.-]{1,256}$","description":"Airflow pool; default none."},"pool_slots":{"type":"integer","minimum":1,"description":"Slots each task takes in the pool; default 1."},"pool_size":{"type":"integer","minimum":1,"description":"Slots of the pool `pool` names: publishing creates the pool with this many slots, or sets an existing pool's slots to it. Default: a missing pool is created with max_active_tasks × pool_slots slots; an existing one is left as it is."},"max_active_tasks":{"type":"integer","minimum":1,"description":"Tasks of one run at a time; default 8."},"max_active_runs":{"type":"integer","minimum":1,"description":"Default 1."},"retries":{"type":"integer","minimum":0,"description":"Default 2."},"retry_delay":{"$ref":"#/$defs/duration","description":"Default 5m."},"execution_timeout":{"$ref":"#/$defs/duration","description":"Default 2h."},"owner":{"type":"string","minLength":1,"description":"Default smelter."},"tags":{"type":"array","uniqueItems":true,"items":{"type":"string","minLength":1,"maxLength":100}},"granularity":{"enum":["table","source"],"description":"A task per table per step, or a task per source per step; default table."},"layout":{"enum":["step","table"],"description":"step: a task per step of each table (extract, bronze, each silver model); table: one task per table that runs extract, bronze and the table's silver models one after the other in the service, each step still its own execution. Needs granularity table and no assets. Default step."},"split":{"type":"object","additionalProperties":false,"properties":{"by":{"enum":["hash","source"],"description":"hash: each table goes to the part its name hashes to (sha256, modulo parts), so adding or removing a table moves no other; source: a part per source connection. Default hash."},"parts":{"type":"integer","minimum":2,"maximum":100,"description":"How many parts (DAGs) by: hash makes; required with by: hash."}},"description":"Splits the pipeline across several DAGs, one file each (smelter__<pipeline>__<part>.py), so that a task parses only its part's file. A silver model goes with the table it reads. Default: one DAG file."},"assets":{"type":"boolean","description":"Bronze tasks emit Assets and silver runs in its own DAG scheduled on them; default false."},"connection_id":{"type":"string","pattern":"^[A-Za-z0-9_.-]{1,250}$","description":"Airflow connection id of the smelter service; default smelter_default."},"deferrable":{"type":"boolean","description":"Tasks wait for long executions in the triggerer, holding no worker slot; false polls in the worker. Default: Airflow's [operators] default_deferrable."},"wait_before_defer":{"$ref":"#/$defs/duration","description":"How long a task waits in the worker before deferring: executions that end sooner skip the deferral's cost. Default 10s."}}};
const pattern47 = new RegExp("^(@(once|hourly|daily|weekly|monthly|yearly)|\\S+( \\S+){4,5})$", "u");
const pattern48 = new RegExp("^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "u");
const pattern49 = new RegExp("^[A-Za-z0-9_.-]{1,256}$", "u");
const pattern52 = new RegExp("^[A-Za-z0-9_.-]{1,250}$", "u");

function validate67(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate67.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(func1.call(schema90.properties, key0))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema90,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.schedule !== undefined){
let data0 = data.schedule;
if((typeof data0 !== "string") && (data0 !== null)){
const err1 = {instancePath:instancePath+"/schedule",schemaPath:"#/properties/schedule/type",keyword:"type",params:{type: schema90.properties.schedule.type},message:"must be string,null",schema:schema90.properties.schedule.type,parentSchema:schema90.properties.schedule,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(typeof data0 === "string"){
if(!pattern47.test(data0)){
const err2 = {instancePath:instancePath+"/schedule",schemaPath:"#/properties/schedule/pattern",keyword:"pattern",params:{pattern: "^(@(once|hourly|daily|weekly|monthly|yearly)|\\S+( \\S+){4,5})$"},message:"must match pattern \""+"^(@(once|hourly|daily|weekly|monthly|yearly)|\\S+( \\S+){4,5})$"+"\"",schema:"^(@(once|hourly|daily|weekly|monthly|yearly)|\\S+( \\S+){4,5})$",parentSchema:schema90.properties.schedule,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
}
if(data.start_date !== undefined){
let data1 = data.start_date;
if(typeof data1 === "string"){
if(!pattern48.test(data1)){
const err3 = {instancePath:instancePath+"/start_date",schemaPath:"#/properties/start_date/pattern",keyword:"pattern",params:{pattern: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},message:"must match pattern \""+"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"+"\"",schema:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",parentSchema:schema90.properties.start_date,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/start_date",schemaPath:"#/properties/start_date/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema90.properties.start_date.type,parentSchema:schema90.properties.start_date,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.pool !== undefined){
let data2 = data.pool;
if((typeof data2 !== "string") && (data2 !== null)){
const err5 = {instancePath:instancePath+"/pool",schemaPath:"#/properties/pool/type",keyword:"type",params:{type: schema90.properties.pool.type},message:"must be string,null",schema:schema90.properties.pool.type,parentSchema:schema90.properties.pool,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if(typeof data2 === "string"){
if(!pattern49.test(data2)){
const err6 = {instancePath:instancePath+"/pool",schemaPath:"#/properties/pool/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9_.-]{1,256}$"},message:"must match pattern \""+"^[A-Za-z0-9_.-]{1,256}$"+"\"",schema:"^[A-Za-z0-9_.-]{1,256}$",parentSchema:schema90.properties.pool,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
if(data.pool_slots !== undefined){
let data3 = data.pool_slots;
if(!(((typeof data3 == "number") && (!(data3 % 1) && !isNaN(data3))) && (isFinite(data3)))){
const err7 = {instancePath:instancePath+"/pool_slots",schemaPath:"#/properties/pool_slots/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema90.properties.pool_slots.type,parentSchema:schema90.properties.pool_slots,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if((typeof data3 == "number") && (isFinite(data3))){
if(data3 < 1 || isNaN(data3)){
const err8 = {instancePath:instancePath+"/pool_slots",schemaPath:"#/properties/pool_slots/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema90.properties.pool_slots,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
if(data.pool_size !== undefined){
let data4 = data.pool_size;
if(!(((typeof data4 == "number") && (!(data4 % 1) && !isNaN(data4))) && (isFinite(data4)))){
const err9 = {instancePath:instancePath+"/pool_size",schemaPath:"#/properties/pool_size/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema90.properties.pool_size.type,parentSchema:schema90.properties.pool_size,data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if((typeof data4 == "number") && (isFinite(data4))){
if(data4 < 1 || isNaN(data4)){
const err10 = {instancePath:instancePath+"/pool_size",schemaPath:"#/properties/pool_size/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema90.properties.pool_size,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
if(data.max_active_tasks !== undefined){
let data5 = data.max_active_tasks;
if(!(((typeof data5 == "number") && (!(data5 % 1) && !isNaN(data5))) && (isFinite(data5)))){
const err11 = {instancePath:instancePath+"/max_active_tasks",schemaPath:"#/properties/max_active_tasks/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema90.properties.max_active_tasks.type,parentSchema:schema90.properties.max_active_tasks,data:data5};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
if((typeof data5 == "number") && (isFinite(data5))){
if(data5 < 1 || isNaN(data5)){
const err12 = {instancePath:instancePath+"/max_active_tasks",schemaPath:"#/properties/max_active_tasks/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema90.properties.max_active_tasks,data:data5};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
}
if(data.max_active_runs !== undefined){
let data6 = data.max_active_runs;
if(!(((typeof data6 == "number") && (!(data6 % 1) && !isNaN(data6))) && (isFinite(data6)))){
const err13 = {instancePath:instancePath+"/max_active_runs",schemaPath:"#/properties/max_active_runs/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema90.properties.max_active_runs.type,parentSchema:schema90.properties.max_active_runs,data:data6};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
if((typeof data6 == "number") && (isFinite(data6))){
if(data6 < 1 || isNaN(data6)){
const err14 = {instancePath:instancePath+"/max_active_runs",schemaPath:"#/properties/max_active_runs/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema90.properties.max_active_runs,data:data6};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
}
if(data.retries !== undefined){
let data7 = data.retries;
if(!(((typeof data7 == "number") && (!(data7 % 1) && !isNaN(data7))) && (isFinite(data7)))){
const err15 = {instancePath:instancePath+"/retries",schemaPath:"#/properties/retries/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema90.properties.retries.type,parentSchema:schema90.properties.retries,data:data7};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
if((typeof data7 == "number") && (isFinite(data7))){
if(data7 < 0 || isNaN(data7)){
const err16 = {instancePath:instancePath+"/retries",schemaPath:"#/properties/retries/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema90.properties.retries,data:data7};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
if(data.retry_delay !== undefined){
let data8 = data.retry_delay;
const _errs22 = errors;
let valid2 = false;
const _errs23 = errors;
if(!(((typeof data8 == "number") && (!(data8 % 1) && !isNaN(data8))) && (isFinite(data8)))){
const err17 = {instancePath:instancePath+"/retry_delay",schemaPath:"#/$defs/duration/anyOf/0/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema60.anyOf[0].type,parentSchema:schema60.anyOf[0],data:data8};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
if((typeof data8 == "number") && (isFinite(data8))){
if(data8 < 0 || isNaN(data8)){
const err18 = {instancePath:instancePath+"/retry_delay",schemaPath:"#/$defs/duration/anyOf/0/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema60.anyOf[0],data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
var _valid0 = _errs23 === errors;
valid2 = valid2 || _valid0;
const _errs25 = errors;
if(typeof data8 === "string"){
if(!pattern30.test(data8)){
const err19 = {instancePath:instancePath+"/retry_delay",schemaPath:"#/$defs/duration/anyOf/1/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(s|m|h|d)$"},message:"must match pattern \""+"^[0-9]+(s|m|h|d)$"+"\"",schema:"^[0-9]+(s|m|h|d)$",parentSchema:schema60.anyOf[1],data:data8};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
else {
const err20 = {instancePath:instancePath+"/retry_delay",schemaPath:"#/$defs/duration/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema60.anyOf[1].type,parentSchema:schema60.anyOf[1],data:data8};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
var _valid0 = _errs25 === errors;
valid2 = valid2 || _valid0;
if(!valid2){
const err21 = {instancePath:instancePath+"/retry_delay",schemaPath:"#/$defs/duration/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema60.anyOf,parentSchema:schema60,data:data8};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
else {
errors = _errs22;
if(vErrors !== null){
if(_errs22){
vErrors.length = _errs22;
}
else {
vErrors = null;
}
}
}
}
if(data.execution_timeout !== undefined){
let data9 = data.execution_timeout;
const _errs30 = errors;
let valid4 = false;
const _errs31 = errors;
if(!(((typeof data9 == "number") && (!(data9 % 1) && !isNaN(data9))) && (isFinite(data9)))){
const err22 = {instancePath:instancePath+"/execution_timeout",schemaPath:"#/$defs/duration/anyOf/0/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema60.anyOf[0].type,parentSchema:schema60.anyOf[0],data:data9};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
if((typeof data9 == "number") && (isFinite(data9))){
if(data9 < 0 || isNaN(data9)){
const err23 = {instancePath:instancePath+"/execution_timeout",schemaPath:"#/$defs/duration/anyOf/0/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema60.anyOf[0],data:data9};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
var _valid1 = _errs31 === errors;
valid4 = valid4 || _valid1;
const _errs33 = errors;
if(typeof data9 === "string"){
if(!pattern30.test(data9)){
const err24 = {instancePath:instancePath+"/execution_timeout",schemaPath:"#/$defs/duration/anyOf/1/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(s|m|h|d)$"},message:"must match pattern \""+"^[0-9]+(s|m|h|d)$"+"\"",schema:"^[0-9]+(s|m|h|d)$",parentSchema:schema60.anyOf[1],data:data9};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
else {
const err25 = {instancePath:instancePath+"/execution_timeout",schemaPath:"#/$defs/duration/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema60.anyOf[1].type,parentSchema:schema60.anyOf[1],data:data9};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
var _valid1 = _errs33 === errors;
valid4 = valid4 || _valid1;
if(!valid4){
const err26 = {instancePath:instancePath+"/execution_timeout",schemaPath:"#/$defs/duration/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema60.anyOf,parentSchema:schema60,data:data9};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
else {
errors = _errs30;
if(vErrors !== null){
if(_errs30){
vErrors.length = _errs30;
}
else {
vErrors = null;
}
}
}
}
if(data.owner !== undefined){
let data10 = data.owner;
if(typeof data10 === "string"){
if(func3(data10) < 1){
const err27 = {instancePath:instancePath+"/owner",schemaPath:"#/properties/owner/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema90.properties.owner,data:data10};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
else {
const err28 = {instancePath:instancePath+"/owner",schemaPath:"#/properties/owner/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema90.properties.owner.type,parentSchema:schema90.properties.owner,data:data10};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
if(data.tags !== undefined){
let data11 = data.tags;
if(Array.isArray(data11)){
const len0 = data11.length;
for(let i0=0; i0<len0; i0++){
let data12 = data11[i0];
if(typeof data12 === "string"){
if(func3(data12) > 100){
const err29 = {instancePath:instancePath+"/tags/" + i0,schemaPath:"#/properties/tags/items/maxLength",keyword:"maxLength",params:{limit: 100},message:"must NOT have more than 100 characters",schema:100,parentSchema:schema90.properties.tags.items,data:data12};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
if(func3(data12) < 1){
const err30 = {instancePath:instancePath+"/tags/" + i0,schemaPath:"#/properties/tags/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema90.properties.tags.items,data:data12};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
}
else {
const err31 = {instancePath:instancePath+"/tags/" + i0,schemaPath:"#/properties/tags/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema90.properties.tags.items.type,parentSchema:schema90.properties.tags.items,data:data12};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
let i1 = data11.length;
let j0;
if(i1 > 1){
const indices0 = {};
for(;i1--;){
let item0 = data11[i1];
if(typeof item0 !== "string"){
continue;
}
if(typeof indices0[item0] == "number"){
j0 = indices0[item0];
const err32 = {instancePath:instancePath+"/tags",schemaPath:"#/properties/tags/uniqueItems",keyword:"uniqueItems",params:{i: i1, j: j0},message:"must NOT have duplicate items (items ## "+j0+" and "+i1+" are identical)",schema:true,parentSchema:schema90.properties.tags,data:data11};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
break;
}
indices0[item0] = i1;
}
}
}
else {
const err33 = {instancePath:instancePath+"/tags",schemaPath:"#/properties/tags/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema90.properties.tags.type,parentSchema:schema90.properties.tags,data:data11};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
}
if(data.granularity !== undefined){
let data13 = data.granularity;
if(!((data13 === "table") || (data13 === "source"))){
const err34 = {instancePath:instancePath+"/granularity",schemaPath:"#/properties/granularity/enum",keyword:"enum",params:{allowedValues: schema90.properties.granularity.enum},message:"must be equal to one of the allowed values",schema:schema90.properties.granularity.enum,parentSchema:schema90.properties.granularity,data:data13};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
if(data.layout !== undefined){
let data14 = data.layout;
if(!((data14 === "step") || (data14 === "table"))){
const err35 = {instancePath:instancePath+"/layout",schemaPath:"#/properties/layout/enum",keyword:"enum",params:{allowedValues: schema90.properties.layout.enum},message:"must be equal to one of the allowed values",schema:schema90.properties.layout.enum,parentSchema:schema90.properties.layout,data:data14};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
}
if(data.split !== undefined){
let data15 = data.split;
if(data15 && typeof data15 == "object" && !Array.isArray(data15)){
for(const key1 in data15){
if(!((key1 === "by") || (key1 === "parts"))){
const err36 = {instancePath:instancePath+"/split",schemaPath:"#/properties/split/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema90.properties.split,data:data15};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
}
if(data15.by !== undefined){
let data16 = data15.by;
if(!((data16 === "hash") || (data16 === "source"))){
const err37 = {instancePath:instancePath+"/split/by",schemaPath:"#/properties/split/properties/by/enum",keyword:"enum",params:{allowedValues: schema90.properties.split.properties.by.enum},message:"must be equal to one of the allowed values",schema:schema90.properties.split.properties.by.enum,parentSchema:schema90.properties.split.properties.by,data:data16};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
}
if(data15.parts !== undefined){
let data17 = data15.parts;
if(!(((typeof data17 == "number") && (!(data17 % 1) && !isNaN(data17))) && (isFinite(data17)))){
const err38 = {instancePath:instancePath+"/split/parts",schemaPath:"#/properties/split/properties/parts/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema90.properties.split.properties.parts.type,parentSchema:schema90.properties.split.properties.parts,data:data17};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
if((typeof data17 == "number") && (isFinite(data17))){
if(data17 > 100 || isNaN(data17)){
const err39 = {instancePath:instancePath+"/split/parts",schemaPath:"#/properties/split/properties/parts/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100},message:"must be <= 100",schema:100,parentSchema:schema90.properties.split.properties.parts,data:data17};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
if(data17 < 2 || isNaN(data17)){
const err40 = {instancePath:instancePath+"/split/parts",schemaPath:"#/properties/split/properties/parts/minimum",keyword:"minimum",params:{comparison: ">=", limit: 2},message:"must be >= 2",schema:2,parentSchema:schema90.properties.split.properties.parts,data:data17};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
}
}
}
else {
const err41 = {instancePath:instancePath+"/split",schemaPath:"#/properties/split/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema90.properties.split.type,parentSchema:schema90.properties.split,data:data15};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
}
if(data.assets !== undefined){
let data18 = data.assets;
if(typeof data18 !== "boolean"){
const err42 = {instancePath:instancePath+"/assets",schemaPath:"#/properties/assets/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema90.properties.assets.type,parentSchema:schema90.properties.assets,data:data18};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
}
if(data.connection_id !== undefined){
let data19 = data.connection_id;
if(typeof data19 === "string"){
if(!pattern52.test(data19)){
const err43 = {instancePath:instancePath+"/connection_id",schemaPath:"#/properties/connection_id/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9_.-]{1,250}$"},message:"must match pattern \""+"^[A-Za-z0-9_.-]{1,250}$"+"\"",schema:"^[A-Za-z0-9_.-]{1,250}$",parentSchema:schema90.properties.connection_id,data:data19};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
}
else {
const err44 = {instancePath:instancePath+"/connection_id",schemaPath:"#/properties/connection_id/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema90.properties.connection_id.type,parentSchema:schema90.properties.connection_id,data:data19};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
}
if(data.deferrable !== undefined){
let data20 = data.deferrable;
if(typeof data20 !== "boolean"){
const err45 = {instancePath:instancePath+"/deferrable",schemaPath:"#/properties/deferrable/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema90.properties.deferrable.type,parentSchema:schema90.properties.deferrable,data:data20};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
}
if(data.wait_before_defer !== undefined){
let data21 = data.wait_before_defer;
const _errs58 = errors;
let valid10 = false;
const _errs59 = errors;
if(!(((typeof data21 == "number") && (!(data21 % 1) && !isNaN(data21))) && (isFinite(data21)))){
const err46 = {instancePath:instancePath+"/wait_before_defer",schemaPath:"#/$defs/duration/anyOf/0/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema60.anyOf[0].type,parentSchema:schema60.anyOf[0],data:data21};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
if((typeof data21 == "number") && (isFinite(data21))){
if(data21 < 0 || isNaN(data21)){
const err47 = {instancePath:instancePath+"/wait_before_defer",schemaPath:"#/$defs/duration/anyOf/0/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema60.anyOf[0],data:data21};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
}
var _valid2 = _errs59 === errors;
valid10 = valid10 || _valid2;
const _errs61 = errors;
if(typeof data21 === "string"){
if(!pattern30.test(data21)){
const err48 = {instancePath:instancePath+"/wait_before_defer",schemaPath:"#/$defs/duration/anyOf/1/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(s|m|h|d)$"},message:"must match pattern \""+"^[0-9]+(s|m|h|d)$"+"\"",schema:"^[0-9]+(s|m|h|d)$",parentSchema:schema60.anyOf[1],data:data21};
if(vErrors === null){
vErrors = [err48];
}
else {
vErrors.push(err48);
}
errors++;
}
}
else {
const err49 = {instancePath:instancePath+"/wait_before_defer",schemaPath:"#/$defs/duration/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema60.anyOf[1].type,parentSchema:schema60.anyOf[1],data:data21};
if(vErrors === null){
vErrors = [err49];
}
else {
vErrors.push(err49);
}
errors++;
}
var _valid2 = _errs61 === errors;
valid10 = valid10 || _valid2;
if(!valid10){
const err50 = {instancePath:instancePath+"/wait_before_defer",schemaPath:"#/$defs/duration/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema60.anyOf,parentSchema:schema60,data:data21};
if(vErrors === null){
vErrors = [err50];
}
else {
vErrors.push(err50);
}
errors++;
}
else {
errors = _errs58;
if(vErrors !== null){
if(_errs58){
vErrors.length = _errs58;
}
else {
vErrors = null;
}
}
}
}
}
else {
const err51 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema90.type,parentSchema:schema90,data};
if(vErrors === null){
vErrors = [err51];
}
else {
vErrors.push(err51);
}
errors++;
}
validate67.errors = vErrors;
return errors === 0;
}
validate67.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema94 = {"type":"object","propertyNames":{"$ref":"#/$defs/webhookName"},"additionalProperties":{"$ref":"#/$defs/webhook"},"x-expected":"a map of named webhooks","description":"Webhooks told of this pipeline's events, by name; the service's own webhooks (SMELTER_NOTIFY_WEBHOOKS) are told too."};
const schema95 = {"type":"string","pattern":"^[a-z0-9_-]{1,63}$","x-expected":"a webhook name (1 to 63 lower-case letters, digits, _ and -)"};
const pattern54 = new RegExp("^[a-z0-9_-]{1,63}$", "u");
const schema96 = {"type":"object","additionalProperties":false,"required":["format","url"],"properties":{"format":{"enum":["slack","json"],"description":"slack: Slack's incoming-webhook message {text, blocks}; json: smelter's JSON event."},"url":{"$ref":"#/$defs/secretRef","description":"The webhook's URL; it is its own credential (a token in the path or query), so it is a secret reference."},"events":{"type":"array","minItems":1,"uniqueItems":true,"items":{"$ref":"#/$defs/notificationEvent"},"x-expected":"a non-empty list of event types","description":"The events it receives; default every event."},"tables":{"type":"array","uniqueItems":true,"items":{"$ref":"#/$defs/identifier"},"x-expected":"a list of table names of this spec","description":"Only the events of these tables (and of tasks covering their sources); with `models`, of those too. Default: every table and model."},"models":{"type":"array","uniqueItems":true,"items":{"$ref":"#/$defs/identifier"},"x-expected":"a list of silver model names of this spec","description":"Only the events of these silver models; with `tables`, of those too."}}};
const schema98 = {"enum":["execution.failed","execution.recovered","freshness.warn","freshness.error","freshness.recovered","schema.changed"],"description":"An event type (docs/observability.md#events)."};

function validate70(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate70.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.format === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "format"},message:"must have required property '"+"format"+"'",schema:schema96.required,parentSchema:schema96,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.url === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "url"},message:"must have required property '"+"url"+"'",schema:schema96.required,parentSchema:schema96,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key0 in data){
if(!(((((key0 === "format") || (key0 === "url")) || (key0 === "events")) || (key0 === "tables")) || (key0 === "models"))){
const err2 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema96,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.format !== undefined){
let data0 = data.format;
if(!((data0 === "slack") || (data0 === "json"))){
const err3 = {instancePath:instancePath+"/format",schemaPath:"#/properties/format/enum",keyword:"enum",params:{allowedValues: schema96.properties.format.enum},message:"must be equal to one of the allowed values",schema:schema96.properties.format.enum,parentSchema:schema96.properties.format,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.url !== undefined){
let data1 = data.url;
const _errs5 = errors;
let valid2 = false;
let passing0 = null;
const _errs6 = errors;
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
if(data1.env === undefined){
const err4 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/secretRef/oneOf/0/required",keyword:"required",params:{missingProperty: "env"},message:"must have required property '"+"env"+"'",schema:schema36.oneOf[0].required,parentSchema:schema36.oneOf[0],data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
for(const key1 in data1){
if(!(key1 === "env")){
const err5 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/secretRef/oneOf/0/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema36.oneOf[0],data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data1.env !== undefined){
let data2 = data1.env;
if(typeof data2 === "string"){
if(!pattern6.test(data2)){
const err6 = {instancePath:instancePath+"/url/env",schemaPath:"#/$defs/secretRef/oneOf/0/properties/env/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z_][A-Za-z0-9_]*$"},message:"must match pattern \""+"^[A-Za-z_][A-Za-z0-9_]*$"+"\"",schema:"^[A-Za-z_][A-Za-z0-9_]*$",parentSchema:schema36.oneOf[0].properties.env,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/url/env",schemaPath:"#/$defs/secretRef/oneOf/0/properties/env/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.oneOf[0].properties.env.type,parentSchema:schema36.oneOf[0].properties.env,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/secretRef/oneOf/0/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.oneOf[0].type,parentSchema:schema36.oneOf[0],data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
var _valid0 = _errs6 === errors;
if(_valid0){
valid2 = true;
passing0 = 0;
var props0 = true;
}
const _errs11 = errors;
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
if(data1.file === undefined){
const err9 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/secretRef/oneOf/1/required",keyword:"required",params:{missingProperty: "file"},message:"must have required property '"+"file"+"'",schema:schema36.oneOf[1].required,parentSchema:schema36.oneOf[1],data:data1};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
for(const key2 in data1){
if(!(key2 === "file")){
const err10 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/secretRef/oneOf/1/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema36.oneOf[1],data:data1};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data1.file !== undefined){
let data3 = data1.file;
if(typeof data3 === "string"){
if(!pattern7.test(data3)){
const err11 = {instancePath:instancePath+"/url/file",schemaPath:"#/$defs/secretRef/oneOf/1/properties/file/pattern",keyword:"pattern",params:{pattern: "^/"},message:"must match pattern \""+"^/"+"\"",schema:"^/",parentSchema:schema36.oneOf[1].properties.file,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/url/file",schemaPath:"#/$defs/secretRef/oneOf/1/properties/file/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.oneOf[1].properties.file.type,parentSchema:schema36.oneOf[1].properties.file,data:data3};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
}
else {
const err13 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/secretRef/oneOf/1/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.oneOf[1].type,parentSchema:schema36.oneOf[1],data:data1};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
var _valid0 = _errs11 === errors;
if(_valid0 && valid2){
valid2 = false;
passing0 = [passing0, 1];
}
else {
if(_valid0){
valid2 = true;
passing0 = 1;
if(props0 !== true){
props0 = true;
}
}
}
if(!valid2){
const err14 = {instancePath:instancePath+"/url",schemaPath:"#/$defs/secretRef/oneOf",keyword:"oneOf",params:{passingSchemas: passing0},message:"must match exactly one schema in oneOf",schema:schema36.oneOf,parentSchema:schema36,data:data1};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
else {
errors = _errs5;
if(vErrors !== null){
if(_errs5){
vErrors.length = _errs5;
}
else {
vErrors = null;
}
}
}
}
if(data.events !== undefined){
let data4 = data.events;
if(Array.isArray(data4)){
if(data4.length < 1){
const err15 = {instancePath:instancePath+"/events",schemaPath:"#/properties/events/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema96.properties.events,data:data4};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
const len0 = data4.length;
for(let i0=0; i0<len0; i0++){
let data5 = data4[i0];
if(!((((((data5 === "execution.failed") || (data5 === "execution.recovered")) || (data5 === "freshness.warn")) || (data5 === "freshness.error")) || (data5 === "freshness.recovered")) || (data5 === "schema.changed"))){
const err16 = {instancePath:instancePath+"/events/" + i0,schemaPath:"#/$defs/notificationEvent/enum",keyword:"enum",params:{allowedValues: schema98.enum},message:"must be equal to one of the allowed values",schema:schema98.enum,parentSchema:schema98,data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
let i1 = data4.length;
let j0;
if(i1 > 1){
outer0:
for(;i1--;){
for(j0 = i1; j0--;){
if(func0(data4[i1], data4[j0])){
const err17 = {instancePath:instancePath+"/events",schemaPath:"#/properties/events/uniqueItems",keyword:"uniqueItems",params:{i: i1, j: j0},message:"must NOT have duplicate items (items ## "+j0+" and "+i1+" are identical)",schema:true,parentSchema:schema96.properties.events,data:data4};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
break outer0;
}
}
}
}
}
else {
const err18 = {instancePath:instancePath+"/events",schemaPath:"#/properties/events/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema96.properties.events.type,parentSchema:schema96.properties.events,data:data4};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
if(data.tables !== undefined){
let data6 = data.tables;
if(Array.isArray(data6)){
const len1 = data6.length;
for(let i2=0; i2<len1; i2++){
let data7 = data6[i2];
if(typeof data7 === "string"){
if(!pattern4.test(data7)){
const err19 = {instancePath:instancePath+"/tables/" + i2,schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:data7};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
else {
const err20 = {instancePath:instancePath+"/tables/" + i2,schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data7};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
let i3 = data6.length;
let j1;
if(i3 > 1){
outer1:
for(;i3--;){
for(j1 = i3; j1--;){
if(func0(data6[i3], data6[j1])){
const err21 = {instancePath:instancePath+"/tables",schemaPath:"#/properties/tables/uniqueItems",keyword:"uniqueItems",params:{i: i3, j: j1},message:"must NOT have duplicate items (items ## "+j1+" and "+i3+" are identical)",schema:true,parentSchema:schema96.properties.tables,data:data6};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
break outer1;
}
}
}
}
}
else {
const err22 = {instancePath:instancePath+"/tables",schemaPath:"#/properties/tables/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema96.properties.tables.type,parentSchema:schema96.properties.tables,data:data6};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
if(data.models !== undefined){
let data8 = data.models;
if(Array.isArray(data8)){
const len2 = data8.length;
for(let i4=0; i4<len2; i4++){
let data9 = data8[i4];
if(typeof data9 === "string"){
if(!pattern4.test(data9)){
const err23 = {instancePath:instancePath+"/models/" + i4,schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:data9};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
else {
const err24 = {instancePath:instancePath+"/models/" + i4,schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data9};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
let i5 = data8.length;
let j2;
if(i5 > 1){
outer2:
for(;i5--;){
for(j2 = i5; j2--;){
if(func0(data8[i5], data8[j2])){
const err25 = {instancePath:instancePath+"/models",schemaPath:"#/properties/models/uniqueItems",keyword:"uniqueItems",params:{i: i5, j: j2},message:"must NOT have duplicate items (items ## "+j2+" and "+i5+" are identical)",schema:true,parentSchema:schema96.properties.models,data:data8};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
break outer2;
}
}
}
}
}
else {
const err26 = {instancePath:instancePath+"/models",schemaPath:"#/properties/models/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema96.properties.models.type,parentSchema:schema96.properties.models,data:data8};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
}
else {
const err27 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema96.type,parentSchema:schema96,data};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
validate70.errors = vErrors;
return errors === 0;
}
validate70.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate69(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate69.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
const _errs2 = errors;
if(typeof key0 === "string"){
if(!pattern54.test(key0)){
const err0 = {instancePath,schemaPath:"#/$defs/webhookName/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9_-]{1,63}$"},message:"must match pattern \""+"^[a-z0-9_-]{1,63}$"+"\"",schema:"^[a-z0-9_-]{1,63}$",parentSchema:schema95,data:key0,propertyName:key0};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
else {
const err1 = {instancePath,schemaPath:"#/$defs/webhookName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema95.type,parentSchema:schema95,data:key0,propertyName:key0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
var valid0 = _errs2 === errors;
if(!valid0){
const err2 = {instancePath,schemaPath:"#/propertyNames",keyword:"propertyNames",params:{propertyName: key0},message:"property name must be valid",schema:schema94.propertyNames,parentSchema:schema94,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
for(const key1 in data){
if(!(validate70(data[key1], {instancePath:instancePath+"/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data,parentDataProperty:key1,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate70.errors : vErrors.concat(validate70.errors);
errors = vErrors.length;
}
}
}
else {
const err3 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema94.type,parentSchema:schema94,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
validate69.errors = vErrors;
return errors === 0;
}
validate69.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate20(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
/*# sourceURL="https://smelter.dev/schema/pipeline.schema.json" */;
let vErrors = null;
let errors = 0;
const evaluated0 = validate20.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.version === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "version"},message:"must have required property '"+"version"+"'",schema:schema31.required,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.name === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema31.required,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.connections === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "connections"},message:"must have required property '"+"connections"+"'",schema:schema31.required,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.warehouse === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "warehouse"},message:"must have required property '"+"warehouse"+"'",schema:schema31.required,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data.landing === undefined){
const err4 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "landing"},message:"must have required property '"+"landing"+"'",schema:schema31.required,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if(data.tables === undefined){
const err5 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "tables"},message:"must have required property '"+"tables"+"'",schema:schema31.required,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
for(const key0 in data){
if(!(func1.call(schema31.properties, key0))){
const err6 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.version !== undefined){
let data0 = data.version;
if(1 !== data0){
const err7 = {instancePath:instancePath+"/version",schemaPath:"#/properties/version/const",keyword:"const",params:{allowedValue: 1},message:"must be equal to constant",schema:1,parentSchema:schema31.properties.version,data:data0};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.name !== undefined){
let data1 = data.name;
if(typeof data1 === "string"){
if(!pattern4.test(data1)){
const err8 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/name",schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data1};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.description !== undefined){
let data2 = data.description;
if(typeof data2 !== "string"){
const err10 = {instancePath:instancePath+"/description",schemaPath:"#/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema31.properties.description.type,parentSchema:schema31.properties.description,data:data2};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.connections !== undefined){
let data3 = data.connections;
if(data3 && typeof data3 == "object" && !Array.isArray(data3)){
if(Object.keys(data3).length < 1){
const err11 = {instancePath:instancePath+"/connections",schemaPath:"#/properties/connections/minProperties",keyword:"minProperties",params:{limit: 1},message:"must NOT have fewer than 1 properties",schema:1,parentSchema:schema31.properties.connections,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
for(const key1 in data3){
const _errs12 = errors;
if(typeof key1 === "string"){
if(!pattern4.test(key1)){
const err12 = {instancePath:instancePath+"/connections",schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/connections",schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
var valid2 = _errs12 === errors;
if(!valid2){
const err14 = {instancePath:instancePath+"/connections",schemaPath:"#/properties/connections/propertyNames",keyword:"propertyNames",params:{propertyName: key1},message:"property name must be valid",schema:schema31.properties.connections.propertyNames,parentSchema:schema31.properties.connections,data:data3};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
for(const key2 in data3){
if(!(validate21(data3[key2], {instancePath:instancePath+"/connections/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data3,parentDataProperty:key2,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate21.errors : vErrors.concat(validate21.errors);
errors = vErrors.length;
}
}
}
else {
const err15 = {instancePath:instancePath+"/connections",schemaPath:"#/properties/connections/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema31.properties.connections.type,parentSchema:schema31.properties.connections,data:data3};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data.warehouse !== undefined){
let data5 = data.warehouse;
if(typeof data5 === "string"){
if(!pattern4.test(data5)){
const err16 = {instancePath:instancePath+"/warehouse",schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
else {
const err17 = {instancePath:instancePath+"/warehouse",schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data5};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data.landing !== undefined){
let data6 = data.landing;
if(typeof data6 === "string"){
if(!pattern4.test(data6)){
const err18 = {instancePath:instancePath+"/landing",schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:data6};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
else {
const err19 = {instancePath:instancePath+"/landing",schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data6};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data.bronze_schema !== undefined){
let data7 = data.bronze_schema;
if(typeof data7 === "string"){
if(!pattern4.test(data7)){
const err20 = {instancePath:instancePath+"/bronze_schema",schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:data7};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
else {
const err21 = {instancePath:instancePath+"/bronze_schema",schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data7};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data.silver_schema !== undefined){
let data8 = data.silver_schema;
if(typeof data8 === "string"){
if(!pattern4.test(data8)){
const err22 = {instancePath:instancePath+"/silver_schema",schemaPath:"#/$defs/identifier/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]{0,62}$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]{0,62}$"+"\"",schema:"^[a-z_][a-z0-9_]{0,62}$",parentSchema:schema32,data:data8};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
else {
const err23 = {instancePath:instancePath+"/silver_schema",schemaPath:"#/$defs/identifier/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.type,parentSchema:schema32,data:data8};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
if(data.defaults !== undefined){
if(!(validate43(data.defaults, {instancePath:instancePath+"/defaults",parentData:data,parentDataProperty:"defaults",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate43.errors : vErrors.concat(validate43.errors);
errors = vErrors.length;
}
}
if(data.freshness !== undefined){
if(!(validate49(data.freshness, {instancePath:instancePath+"/freshness",parentData:data,parentDataProperty:"freshness",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate49.errors : vErrors.concat(validate49.errors);
errors = vErrors.length;
}
}
if(data.tables !== undefined){
let data11 = data.tables;
if(Array.isArray(data11)){
if(data11.length < 1){
const err24 = {instancePath:instancePath+"/tables",schemaPath:"#/properties/tables/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema31.properties.tables,data:data11};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
const len0 = data11.length;
for(let i0=0; i0<len0; i0++){
if(!(validate51(data11[i0], {instancePath:instancePath+"/tables/" + i0,parentData:data11,parentDataProperty:i0,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate51.errors : vErrors.concat(validate51.errors);
errors = vErrors.length;
}
}
}
else {
const err25 = {instancePath:instancePath+"/tables",schemaPath:"#/properties/tables/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema31.properties.tables.type,parentSchema:schema31.properties.tables,data:data11};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
if(data.silver !== undefined){
let data13 = data.silver;
if(Array.isArray(data13)){
const len1 = data13.length;
for(let i1=0; i1<len1; i1++){
if(!(validate62(data13[i1], {instancePath:instancePath+"/silver/" + i1,parentData:data13,parentDataProperty:i1,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate62.errors : vErrors.concat(validate62.errors);
errors = vErrors.length;
}
}
}
else {
const err26 = {instancePath:instancePath+"/silver",schemaPath:"#/properties/silver/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema31.properties.silver.type,parentSchema:schema31.properties.silver,data:data13};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
if(data.airflow !== undefined){
if(!(validate67(data.airflow, {instancePath:instancePath+"/airflow",parentData:data,parentDataProperty:"airflow",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate67.errors : vErrors.concat(validate67.errors);
errors = vErrors.length;
}
}
if(data.notifications !== undefined){
if(!(validate69(data.notifications, {instancePath:instancePath+"/notifications",parentData:data,parentDataProperty:"notifications",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate69.errors : vErrors.concat(validate69.errors);
errors = vErrors.length;
}
}
}
else {
const err27 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema31.type,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
validate20.errors = vErrors;
return errors === 0;
}
validate20.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

