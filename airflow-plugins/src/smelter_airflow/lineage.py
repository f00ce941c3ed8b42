"""Lineage of a smelter execution: OpenLineage datasets, and the extras of the Asset events its task emits.

Both come from the execution's result alone (``metrics.lineage`` and the counts, CONTRACTS §2): the operator asks
the service nothing more. The datasets are named by the service from its resolved connections (hosts, ports,
databases, schemas, tables, buckets and prefixes), never with a user, a password or a key.

The OpenLineage provider (``apache-airflow-providers-openlineage``) is optional: this module imports it only
inside ``operator_lineage``, which the provider's listener is the one to call.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

# smelter://<pipeline>/<layer>/<table or model>: the Assets generated DAGs declare (CONTRACTS §3).
ASSET_URI = re.compile(r"^smelter://(?P<pipeline>[^/]+)/(?P<layer>bronze|silver)/(?P<name>[^/]+)$")

# What an Asset event of a bronze table or silver model carries, from the metrics of the step that wrote it.
ASSET_EXTRA_KEYS = ("inserted", "updated", "deleted", "unchanged", "version_from", "version_to")


def step_metrics(metrics: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    """The metrics of every step an execution ran: its own, each table's (a source task) and each later step's
    (a chain or a downstream run), in that order."""
    if not metrics:
        return
    yield metrics
    for nested in ("tables", "steps"):
        for inner in (metrics.get(nested) or {}).values():
            if isinstance(inner, dict):
                yield from step_metrics(inner)


def datasets(execution: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Inputs and outputs of an execution, each dataset once, in the order the steps report them.

    A dataset one step wrote and a later step of the same execution read (a chain's landing folder and bronze
    table) is both an output and an input, as it is in OpenLineage's graph. Rows and bytes of a dataset written
    more than once add up.
    """
    inputs: dict[tuple[str, str], dict[str, Any]] = {}
    outputs: dict[tuple[str, str], dict[str, Any]] = {}
    for metrics in step_metrics(execution.get("metrics")):
        lineage = metrics.get("lineage") or {}
        for dataset in lineage.get("inputs") or []:
            key = (dataset["namespace"], dataset["name"])
            inputs.setdefault(key, dict(dataset))
            if dataset.get("fields") and not inputs[key].get("fields"):
                inputs[key]["fields"] = dataset["fields"]
        for dataset in lineage.get("outputs") or []:
            key = (dataset["namespace"], dataset["name"])
            known = outputs.get(key)
            if known is None:
                outputs[key] = dict(dataset)
                continue
            for count in ("rows", "bytes"):
                if count in dataset:
                    known[count] = known.get(count, 0) + dataset[count]
            known["fields"] = dataset.get("fields") or known.get("fields")
    return list(inputs.values()), list(outputs.values())


def operator_lineage(execution: dict[str, Any] | None) -> Any:
    """The provider's ``OperatorLineage`` of an execution: its datasets with a schema facet each (columns and
    their types, where the step reported them) and, for outputs, an output statistics facet (rows written, and
    bytes for landed files). An execution that is not known (before the submit) or reported no lineage (a
    failure, an older service) gives an empty one.

    Raises ImportError without the OpenLineage provider.
    """
    from airflow.providers.common.compat.openlineage.facet import (
        InputDataset,
        OutputDataset,
        OutputStatisticsOutputDatasetFacet,
        SchemaDatasetFacet,
        SchemaDatasetFacetFields,
    )
    from airflow.providers.openlineage.extractors import OperatorLineage

    if not execution:
        return OperatorLineage()
    inputs, outputs = datasets(execution)

    def facets(dataset: dict[str, Any]) -> dict[str, Any]:
        fields = dataset.get("fields")
        if not fields:
            return {}
        return {
            "schema": SchemaDatasetFacet(
                fields=[SchemaDatasetFacetFields(name=f["name"], type=f.get("type")) for f in fields]
            )
        }

    def statistics(dataset: dict[str, Any]) -> dict[str, Any]:
        if "rows" not in dataset and "bytes" not in dataset:
            return {}
        return {
            "outputStatistics": OutputStatisticsOutputDatasetFacet(
                rowCount=dataset.get("rows"), size=dataset.get("bytes")
            )
        }

    return OperatorLineage(
        inputs=[InputDataset(namespace=d["namespace"], name=d["name"], facets=facets(d)) for d in inputs],
        outputs=[
            OutputDataset(
                namespace=d["namespace"], name=d["name"], facets=facets(d), outputFacets=statistics(d)
            )
            for d in outputs
        ],
    )


def metrics_of(execution: dict[str, Any], layer: str, name: str) -> dict[str, Any] | None:
    """The metrics of the step of ``execution`` that wrote the bronze table or silver model ``name``, if it ran
    one: the execution's own, a table's of a source task, or a later step's of a chain or downstream run."""
    step = layer  # the step that writes a layer has the layer's name
    metrics = execution.get("metrics") or {}
    if execution.get("step") == step and execution.get("table") == name:
        return metrics
    if execution.get("step") == step and execution.get("source") is not None:
        return (metrics.get("tables") or {}).get(name)
    steps = metrics.get("steps") or {}
    if layer == "bronze" and execution.get("table") == name:
        return steps.get("bronze")
    if layer == "silver":
        return steps.get(f"silver {name}")
    return None


def asset_extras(outlets: list[Any], execution: dict[str, Any]) -> list[tuple[Any, dict[str, Any]]]:
    """``(asset, extra)`` for each of the task's smelter Assets that the execution wrote: the rows it inserted,
    updated, deleted and left unchanged, the versions it committed (``version_from`` .. ``version_to``, null when
    nothing changed) and the execution's id. Assets of another pipeline or not written by it are left alone."""
    out = []
    for asset in outlets:
        match = ASSET_URI.match(str(getattr(asset, "uri", "")))
        if not match or match["pipeline"] != execution.get("pipeline"):
            continue
        metrics = metrics_of(execution, match["layer"], match["name"])
        if metrics is None:
            continue
        extra: dict[str, Any] = {"execution_id": execution.get("id")}
        extra.update({key: metrics[key] for key in ASSET_EXTRA_KEYS if key in metrics})
        extra["rows"] = sum(int(metrics.get(key) or 0) for key in ("inserted", "updated", "deleted"))
        out.append((asset, extra))
    return out
