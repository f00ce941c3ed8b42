"""SmelterOperator: asks the smelter service to run one pipeline step and waits for it to end."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

from smelter_airflow._compat import BaseOperator, conf
from smelter_airflow.backfill import backfill_range
from smelter_airflow.exceptions import SmelterApiError, SmelterTaskFailedNoRetry, task_failure
from smelter_airflow.executions import STEPS, describe, is_terminal, next_interval
from smelter_airflow.hooks.smelter import LONG_POLL_SECONDS, SmelterHook
from smelter_airflow.lineage import asset_extras, operator_lineage
from smelter_airflow.links.smelter import SmelterExecutionLink, execution_url
from smelter_airflow.triggers.smelter import SmelterExecutionTrigger

# After an execution ends its last log lines may still be on their way; wait this long for them.
LOG_DRAIN_ATTEMPTS = 10
LOG_DRAIN_PAUSE_SECONDS = 1.0
# Status polls while waiting in the worker before deferring, when the service does not hold status reads.
PRE_DEFER_POLL_SECONDS = 1.0
# Slack after one worker heartbeat interval for the executor's report to reach a busy scheduler loop.
DEFER_SETTLE_MARGIN_SECONDS = 3.0


def defer_settle_seconds() -> float:
    """How long after a deferral the trigger holds its event (10 s with Airflow's default settings).

    Airflow 3.3 fails a resumed task when the executor's report that the deferring worker exited arrives after
    the resumed try was queued (apache/airflow#72716). The worker's supervisor notices that exit on its next
    wake-up, at most ``[workers] min_heartbeat_interval`` (default 5 s) later, and the scheduler takes it in
    on its next loop. So the hold is that interval plus the larger of the interval and 3 s, read from the
    configuration of the worker that deferred, which is the one whose report is awaited.
    """
    interval = float(conf.getint("workers", "min_heartbeat_interval", fallback=5))
    return interval + max(DEFER_SETTLE_MARGIN_SECONDS, interval)


def default_deferrable() -> bool:
    """Airflow's ``[operators] default_deferrable``: whether operators defer unless told (default False)."""
    return conf.getboolean("operators", "default_deferrable", fallback=False)


def airflow_identity(context: Any) -> dict[str, Any]:
    """The task instance as the service records it: dag, run, task, map index, try and logical date."""
    ti = context["ti"]
    logical_date = context.get("logical_date")
    map_index = getattr(ti, "map_index", None)
    return {
        "dag_id": ti.dag_id,
        "run_id": context.get("run_id") or ti.run_id,
        "task_id": ti.task_id,
        "map_index": -1 if map_index is None else int(map_index),
        "try_number": int(ti.try_number),
        "logical_date": _utc_iso(logical_date) if isinstance(logical_date, datetime) else None,
    }


def idempotency_key(identity: dict[str, Any]) -> str:
    """``{dag_id}/{run_id}/{task_id}/{map_index}/{try_number}``: one execution per task try, never two."""
    return "/".join(
        str(identity[part]) for part in ("dag_id", "run_id", "task_id", "map_index", "try_number")
    )


def outcome(execution: dict[str, Any]) -> dict[str, Any]:
    """Metrics of a successful execution; otherwise raise the exception that fails or retries the task.

    ``failed`` with ``retryable: false`` and ``cancelled`` fail the task without retry; any other failure
    raises an exception Airflow retries.
    """
    status = execution.get("status")
    if status == "success":
        return execution.get("metrics") or {}
    page = (execution.get("links") or {}).get("ui")
    see = f"; see {page}" if page else ""
    if status == "cancelled":
        raise SmelterTaskFailedNoRetry(f"{describe(execution)} was cancelled{see}")
    if status == "failed":
        error = execution.get("error") or {}
        retryable = error.get("retryable") is not False
        advice = "retrying may help" if retryable else "retrying will not help"
        raise task_failure(
            f"{describe(execution)} failed: {error.get('type', 'UnknownError')}: "
            f"{error.get('message', 'no message')} ({advice}){see}",
            retryable=retryable,
        )
    raise task_failure(f"{describe(execution)} ended in unexpected status {status!r}{see}", retryable=True)


class SmelterOperator(BaseOperator):
    """Run one smelter step (``extract``, ``bronze`` or ``silver``) for a table, model or source.

    The execution is submitted with an idempotency key made of dag_id, run_id, task_id, map_index and
    try_number, so a resubmission never starts a second execution for the same try. Its log lines are copied
    into the task log; on success the metrics dict is the task's return value (XCom ``return_value``), and the
    events of the task's smelter Assets (``outlets``) carry the rows and versions of the step that wrote each.
    With the OpenLineage provider installed, the task's lineage events name the datasets the execution read and
    wrote (see ``smelter_airflow.lineage``).

    :param pipeline: pipeline name from the spec.
    :param step: ``extract``, ``bronze`` or ``silver``.
    :param table: table name (for ``silver``, the model name); exactly one of ``table`` and ``source``.
    :param source: source name, to run the step for all tables of that source.
    :param smelter_conn_id: Airflow connection of type ``smelter`` (default ``smelter_default``).
    :param deferrable: wait in the triggerer, holding no worker slot; False polls in the worker (default:
        Airflow's ``[operators] default_deferrable``, read when the operator is created).
    :param poll_interval: seconds between status polls at first and after a status change (default 5).
    :param max_poll_interval: ceiling for the poll wait, which grows while nothing changes (default 60).
    :param wait_before_defer: seconds to wait in the worker before deferring (default 10): a short
        execution ends without the cost of a deferral and a resume.
    :param chain: after the step, run the later steps of the table (bronze, its silver models) in the same
        task, each as an execution of its own; a retry does not run again the steps an earlier try finished
        (default False; generated DAGs set it with the spec's ``airflow.layout: table``).
    """

    template_fields = ("pipeline", "step", "table", "source")
    operator_extra_links = (SmelterExecutionLink(),)
    ui_color = "#f4d9b8"

    def __init__(
        self,
        *,
        pipeline: str,
        step: str,
        table: str | None = None,
        source: str | None = None,
        smelter_conn_id: str = SmelterHook.default_conn_name,
        deferrable: bool | None = None,
        poll_interval: float = 5.0,
        max_poll_interval: float = 60.0,
        wait_before_defer: float = 10.0,
        chain: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if (table is None) == (source is None):
            raise ValueError(f"SmelterOperator '{self.task_id}': give exactly one of table= and source=")
        if chain and table is None:
            raise ValueError(
                f"SmelterOperator '{self.task_id}': chain= runs the later steps of a table; give table="
            )
        self.pipeline = pipeline
        self.step = step
        self.table = table
        self.source = source
        self.smelter_conn_id = smelter_conn_id
        self.deferrable = default_deferrable() if deferrable is None else deferrable
        self.poll_interval = poll_interval
        self.max_poll_interval = max(poll_interval, max_poll_interval)
        self.wait_before_defer = wait_before_defer
        self.chain = chain
        self.execution_id: str | None = None
        # The last execution seen in this process, for the OpenLineage listener after the task ends.
        self.execution: dict[str, Any] | None = None

    @cached_property
    def hook(self) -> SmelterHook:
        """Hook on ``smelter_conn_id``."""
        return SmelterHook(smelter_conn_id=self.smelter_conn_id)

    def build_request(self, context: Any) -> dict[str, Any]:
        """The POST /api/v1/executions body for this task try (CONTRACTS §2), with the backfill range a
        backfill run's conf asks of an extract task (see ``smelter_airflow.backfill``)."""
        if self.step not in STEPS:
            raise SmelterTaskFailedNoRetry(
                f"SmelterOperator '{self.task_id}': step {self.step!r} is not one of {', '.join(STEPS)}"
            )
        identity = airflow_identity(context)
        target = {"table": self.table} if self.table is not None else {"source": self.source}
        dag_run = context.get("dag_run")
        backfill = backfill_range(getattr(dag_run, "conf", None), self.step, self.table, self.source)
        return {
            "pipeline": self.pipeline,
            "step": self.step,
            **target,
            "idempotency_key": idempotency_key(identity),
            "airflow": identity,
            **({"chain": True} if self.chain else {}),
            **({"backfill": backfill} if backfill is not None else {}),
        }

    def execute(self, context: Any) -> dict[str, Any]:
        request = self.build_request(context)
        try:
            execution = self.hook.submit(request)
        except SmelterApiError as error:
            raise task_failure(str(error), retryable=error.retryable) from error
        self.execution_id = execution["id"]
        url = execution_url(execution, self.hook.service_url)
        SmelterExecutionLink.persist(context, self.execution_id, url)
        self.log.info(
            "%s is %s (key %s): %s",
            describe(execution),
            execution.get("status"),
            request["idempotency_key"],
            url,
        )
        log_offset = 0
        if not is_terminal(execution):
            if self.deferrable:
                execution = self._wait_briefly(execution)
            if self.deferrable and not is_terminal(execution):
                self.defer(
                    trigger=SmelterExecutionTrigger(
                        execution_id=self.execution_id,
                        conn_id=self.smelter_conn_id,
                        poll_interval=self.poll_interval,
                        max_poll_interval=self.max_poll_interval,
                        not_before=time.time() + defer_settle_seconds(),
                    ),
                    method_name="execute_complete",
                )
            execution, log_offset = self._wait(execution)
        return self._complete(context, execution, log_offset)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        """Resume after the trigger fired: copy the execution's logs, then succeed, retry or fail."""
        if event.get("status") == "error":
            execution_id, message = event.get("execution_id"), event.get("message")
            raise task_failure(
                f"smelter execution {execution_id} could not be followed: {message}",
                retryable=bool(event.get("retryable", True)),
            )
        execution = event["execution"]
        self.execution_id = execution["id"]
        return self._complete(context, execution, 0)

    def on_kill(self) -> None:
        """Cancel the execution this task started, if any."""
        if self.execution_id is None:
            return
        try:
            execution = self.hook.cancel(self.execution_id)
            self.log.info("%s: cancel requested, now %s", describe(execution), execution.get("status"))
        except SmelterApiError as error:
            self.log.warning("could not cancel smelter execution %s: %s", self.execution_id, error)

    def _wait_briefly(self, execution: dict[str, Any]) -> dict[str, Any]:
        """Long-poll for up to ``wait_before_defer`` seconds; the logs are copied once the task resumes."""
        deadline = time.monotonic() + self.wait_before_defer
        while not is_terminal(execution):
            left = deadline - time.monotonic()
            if left <= 0:
                break
            asked = time.monotonic()
            try:
                latest = self.hook.get_execution(
                    execution["id"], wait=min(left, LONG_POLL_SECONDS), status=execution.get("status")
                )
            except SmelterApiError as error:
                self.log.warning("%s; leaving the wait to the trigger", error)
                break
            if latest.get("status") == execution.get("status"):
                # Answered at once without a change: a service without long polling; poll every second.
                _sleep_rest(asked, min(PRE_DEFER_POLL_SECONDS, max(0.0, deadline - asked)))
            execution = latest
        return execution

    def _wait(self, execution: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Poll in the worker until the execution ends, copying log lines as they arrive."""
        interval = self.poll_interval
        log_offset = 0
        while not is_terminal(execution):
            # A long poll of at most `interval`: log lines are copied at that pace, the end is seen at once.
            asked = time.monotonic()
            try:
                latest = self.hook.get_execution(
                    execution["id"], wait=interval, status=execution.get("status")
                )
            except SmelterApiError as error:
                if not error.retryable:
                    raise task_failure(str(error), retryable=False) from error
                self.log.warning("%s; polling again", error)
                latest = execution
            changed = latest.get("status") != execution.get("status")
            if not changed:
                _sleep_rest(asked, interval)
            log_offset = self._copy_logs(execution["id"], log_offset, final=False)
            interval = self.poll_interval if changed else next_interval(interval, self.max_poll_interval)
            execution = latest
        return execution, log_offset

    def _complete(self, context: Any, execution: dict[str, Any], log_offset: int) -> dict[str, Any]:
        self.execution = execution
        self._copy_logs(execution["id"], log_offset, final=True)
        metrics = outcome(execution)
        self.log.info("%s succeeded: %s", describe(execution), _counts(metrics))
        self._annotate_asset_events(context, execution)
        return metrics

    def _annotate_asset_events(self, context: Any, execution: dict[str, Any]) -> None:
        """Put the rows and versions of the step that wrote each of the task's Assets in its event's extra."""
        outlet_events = context.get("outlet_events") if hasattr(context, "get") else None
        if outlet_events is None:
            return
        for asset, extra in asset_extras(list(self.outlets or []), execution):
            outlet_events[asset].extra.update(extra)

    def get_openlineage_facets_on_start(self) -> Any:
        """Lineage when the task starts: nothing yet, the datasets come with the execution's result."""
        return _lineage_or_none(None)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        """The datasets the execution read and wrote, with their columns and the rows written."""
        return _lineage_or_none(self.execution)

    def get_openlineage_facets_on_failure(self, task_instance: Any) -> Any:
        """What a failed execution reported: its datasets when it told them, else nothing."""
        return _lineage_or_none(self.execution)

    def _copy_logs(self, execution_id: str, offset: int, *, final: bool) -> int:
        """Copy the execution's log lines from ``offset`` into the task log; return the next offset.

        With ``final`` it keeps reading until the service says every line was returned (or gives up after
        LOG_DRAIN_ATTEMPTS empty reads); otherwise it copies what is there now. Failing to read logs never
        fails the task.
        """
        empty_reads = 0
        while True:
            try:
                page = self.hook.get_logs(execution_id, offset)
            except SmelterApiError as error:
                page = {"lines": [], "next_offset": offset, "complete": not error.retryable}
                self.log.warning("could not read smelter logs of %s: %s", execution_id, error)
            lines = page.get("lines") or []
            for line in lines:
                self._log_line(line)
            offset = int(page.get("next_offset", offset))
            if page.get("complete") or (not lines and not final):
                return offset
            if not lines:
                empty_reads += 1
                if empty_reads >= LOG_DRAIN_ATTEMPTS:
                    self.log.warning(
                        "smelter logs of %s may be incomplete: stopped at line %d", execution_id, offset
                    )
                    return offset
                time.sleep(LOG_DRAIN_PAUSE_SECONDS)

    def _log_line(self, line: dict[str, Any]) -> None:
        level = {"warn": "warning", "error": "error", "debug": "debug"}.get(str(line.get("level")), "info")
        getattr(self.log, level)("[smelter %s] %s", line.get("ts", ""), line.get("message", ""))


def _lineage_or_none(execution: dict[str, Any] | None) -> Any:
    """``operator_lineage`` of the execution; None without the OpenLineage provider (nothing calls for it then)."""
    try:
        return operator_lineage(execution)
    except ImportError:
        return None


def _counts(metrics: dict[str, Any]) -> dict[str, Any]:
    """The metrics as the task log shows them: without the datasets (the lineage events carry them), per table
    and per step alike."""
    return {
        key: {name: _counts(inner) for name, inner in value.items()}
        if key in ("tables", "steps") and isinstance(value, dict)
        else value
        for key, value in metrics.items()
        if key != "lineage"
    }


def _sleep_rest(since: float, seconds: float) -> None:
    """Sleep what is left of ``seconds`` counted from the monotonic time ``since``."""
    time.sleep(max(0.0, since + seconds - time.monotonic()))


def _utc_iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
