"""Execution results as the smelter service returns them, with the lineage its steps report (CONTRACTS §2).

Taken from real runs of extract, bronze and silver of a MariaDB table through the S3 emulator into a PostgreSQL
warehouse; only the generated pipeline and table names and the hosts were replaced by readable ones.
"""

from __future__ import annotations

from typing import Any

# The landed batch: what extract writes and bronze reads.
LANDING: dict[str, Any] = {
    "namespace": "s3://acme-landing",
    "name": "landing/social/posts",
    "layer": "landing",
    "fields": [
        {"name": "id", "type": "UBIGINT"},
        {"name": "payload", "type": "JSON"},
        {"name": "likes", "type": "INTEGER"},
        {"name": "updated_at", "type": "TIMESTAMP"},
    ],
}

EXTRACT_METRICS: dict[str, Any] = {
    "rows_read": 40,
    "rows_landed": 40,
    "files": 2,
    "bytes": 1368,
    "batches": 1,
    "chunks": 1,
    "chunks_total": 1,
    "rows_per_second": 108,
    "watermark": ["2026-01-01 00:00:40.000000"],
    "lineage": {
        "inputs": [
            {
                "namespace": "mysql://db.internal:3306",
                "name": "social.posts",
                "layer": "source",
                "fields": [
                    {"name": "id", "type": "bigint(20) unsigned"},
                    {"name": "payload", "type": "longtext"},
                    {"name": "likes", "type": "int(11)"},
                    {"name": "updated_at", "type": "datetime(6)"},
                ],
            },
        ],
        "outputs": [
            {**LANDING, "rows": 40, "bytes": 1368},
        ],
    },
    "duration_ms": 1200,
}

BRONZE_METRICS: dict[str, Any] = {
    "batches": 1,
    "files": 2,
    "rows_read": 40,
    "inserted": 40,
    "updated": 0,
    "deleted": 0,
    "unchanged": 0,
    "version_from": 1,
    "version_to": 1,
    "lineage": {
        "inputs": [
            LANDING,
        ],
        "outputs": [
            {
                "namespace": "postgres://warehouse.internal:5432",
                "name": "warehouse.social_bronze.posts",
                "layer": "bronze",
                "fields": [
                    {"name": "id", "type": "numeric(20,0)"},
                    {"name": "payload", "type": "jsonb"},
                    {"name": "likes", "type": "integer"},
                    {"name": "updated_at", "type": "timestamp without time zone"},
                    {"name": "_smelter_batch_id", "type": "text"},
                    {"name": "_smelter_loaded_at", "type": "timestamp with time zone"},
                ],
                "rows": 40,
            },
        ],
    },
    "duration_ms": 900,
}

SILVER_METRICS: dict[str, Any] = {
    "rows_read": 40,
    "inserted": 40,
    "updated": 0,
    "deleted": 0,
    "unchanged": 0,
    "version_from": 0,
    "version_to": 1,
    "lineage": {
        "inputs": [
            {
                "namespace": "postgres://warehouse.internal:5432",
                "name": "warehouse.social_bronze.posts",
                "layer": "bronze",
            },
        ],
        "outputs": [
            {
                "namespace": "postgres://warehouse.internal:5432",
                "name": "warehouse.social_silver.posts_flat",
                "layer": "silver",
                "fields": [
                    {"name": "id", "type": "numeric(20,0)"},
                    {"name": "payload", "type": "jsonb"},
                    {"name": "updated_at", "type": "timestamp without time zone"},
                    {"name": "_smelter_commit_version", "type": "bigint"},
                    {"name": "_smelter_updated_at", "type": "timestamp with time zone"},
                ],
                "rows": 40,
            },
        ],
    },
    "duration_ms": 300,
}



def execution(step: str, metrics: dict[str, Any] | None, **fields: Any) -> dict[str, Any]:
    """A finished execution of ``step`` for table ``posts`` (model ``posts_flat`` for silver) of ``social``."""
    table = "posts_flat" if step == "silver" else "posts"
    return {
        "id": f"ex_{step}1",
        "pipeline": "social",
        "step": step,
        "table": table,
        "source": None,
        "status": "success" if metrics is not None else "failed",
        "metrics": metrics,
        "error": None,
        "links": {"ui": f"http://svc/ui/executions/ex_{step}1"},
        **fields,
    }
