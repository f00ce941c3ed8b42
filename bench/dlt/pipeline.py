"""dlt side of the end-to-end benchmark: the bench tables from MariaDB with dlt's own `sql_database` source
(pyarrow backend), incremental on `updated_at`, merged on each table's primary key, into PostgreSQL
(`--destination postgres`, dlt's delete-insert merge) or into Delta tables (`--destination delta`: the filesystem
destination with the delta table format and the upsert merge strategy, the peer a Delta Lake user would pick).

Run once for the initial load and again (same --pipelines-dir) for the incremental run. Addresses come from the
environment (BENCH_DLT_SOURCE_URL, and BENCH_DLT_DESTINATION_URL or BENCH_DLT_BUCKET_URL), never from arguments.
Prints one JSON line last: rows per table, seconds per dlt phase (extract, normalize, load) and peak RSS.
"""

import argparse
import json
import os
import resource
import time

import dlt
from dlt.sources.sql_database import sql_database
from sqlalchemy import Numeric, Table

# BIGINT UNSIGNED columns that really hold values past 2^63-1 (one account has 2^64-1 followers). dlt maps BIGINT
# UNSIGNED to a signed 64-bit integer and fails on them ("Python int too large to convert to C long"), so these
# are read as numeric(20,0), the same type smelter's silver model gives the column.
WIDE_UNSIGNED = {"network_accounts": ["followers"]}


def widen_unsigned(table: Table) -> None:
    for column in WIDE_UNSIGNED.get(table.name, []):
        table.columns[column].type = Numeric(20, 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", required=True, help='JSON {"table": ["key", ...]}')
    parser.add_argument("--cursor", default="updated_at")
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--pipelines-dir", required=True)
    parser.add_argument("--pipeline-name", default="bench_social")
    parser.add_argument("--destination", choices=["postgres", "delta"], default="postgres")
    args = parser.parse_args()
    keys: dict[str, list[str]] = json.loads(args.keys)

    started = time.perf_counter()
    source = sql_database(
        os.environ["BENCH_DLT_SOURCE_URL"], table_names=list(keys),
        backend="pyarrow",
        table_adapter_callback=widen_unsigned,
    )
    delta = args.destination == "delta"
    for name, resource_ in source.resources.items():
        resource_.apply_hints(
            primary_key=keys[name],
            write_disposition={"disposition": "merge", "strategy": "upsert"} if delta else "merge",
            incremental=dlt.sources.incremental(args.cursor),
            **({"table_format": "delta"} if delta else {}),
        )
    destination = (
        dlt.destinations.filesystem(os.environ["BENCH_DLT_BUCKET_URL"])
        if delta
        else dlt.destinations.postgres(os.environ["BENCH_DLT_DESTINATION_URL"])
    )
    pipeline = dlt.pipeline(
        pipeline_name=args.pipeline_name,
        destination=destination,
        dataset_name=args.dataset,
        pipelines_dir=args.pipelines_dir,
    )
    phases: dict[str, float] = {}
    t0 = time.perf_counter()
    pipeline.extract(source)
    t1 = time.perf_counter()
    normalized = pipeline.normalize()
    t2 = time.perf_counter()
    pipeline.load()
    t3 = time.perf_counter()
    phases = {"setup": t0 - started, "extract": t1 - t0, "normalize": t2 - t1, "load": t3 - t2}
    counts = normalized.row_counts if normalized is not None else {}
    rows = {t: int(counts.get(t, 0)) for t in keys}
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    print(
        json.dumps(
            {
                "rows": rows,
                "total_rows": sum(rows.values()),
                "phases": phases,
                "seconds": time.perf_counter() - started,
                "max_rss_mb": round(peak_kb / 1024),
                "dlt_version": dlt.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
