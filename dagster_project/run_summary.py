"""What a run from the command line says: a line as each step starts and ends (with the
counts its materialisations carry), the steps' warnings and notes, and a closing summary.

It reads the run's own Dagster events, as a logger of the run receives them, so the lines
appear while the run goes; a finished run's events (``ExecuteInProcessResult.all_events``)
replayed through ``RunTalk.event`` give the same step lines and summary.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import dagster as dg
from dagster import AssetCheckSeverity, DagsterEvent, DagsterEventType

#: Counts the ingestion materialisations carry, by what they count, in the order shown.
FILE_COUNTS = {
    "files_loaded": "loaded",
    "files_skipped": "skipped (already loaded)",
    "files_quarantined": "quarantined",
}
ROW_COUNTS = {"rows_loaded": "loaded", "rows_rejected": "rejected"}
#: Other counts worth a word on a step's closing line.
OTHER_COUNTS = {
    "names_matched_this_run": "names matched this run",
    "review_queue_names": "names awaiting review",
    "table_count": "tables published",
    "total_rows": "rows published",
}
#: The Python logger of dagster-dbt's notes (the dbt command, its parse cache), which the
#: command line keeps at WARNING.
LIBRARY_LOGGER = "dagster.builtin"
STEP_ERROR_WRAPPER = "DagsterExecutionStepExecutionError"
PUBLISHED_PATH = "path"
REPORT_PATH = "report_path"


def _value(metadata: dict, key: str):
    value = metadata.get(key)
    return getattr(value, "value", value)


@dataclass
class _Step:
    materializations: list[dg.AssetMaterialization] = field(default_factory=list)
    checks: list[dg.AssetCheckEvaluation] = field(default_factory=list)


def _totals(materializations: Iterable[dg.AssetMaterialization]) -> dict[str, int]:
    """The sums of the integer counts the materialisations carry, by metadata key."""
    totals = defaultdict(int)
    for materialization in materializations:
        for key in (*FILE_COUNTS, *ROW_COUNTS, *OTHER_COUNTS):
            value = _value(materialization.metadata, key)
            if isinstance(value, int):
                totals[key] += value
    return dict(totals)


def _counted(totals: dict[str, int], counts: dict[str, str], every: bool = False) -> str:
    """E.g. "3 loaded, 2 skipped": the first count always, the others when not zero (or all
    with ``every``)."""
    first, *others = counts
    shown = [first, *(key for key in others if every or totals.get(key))]
    return ", ".join(f"{totals.get(key, 0):,} {counts[key]}" for key in shown)


def _check_counts(checks: Iterable[dg.AssetCheckEvaluation]) -> str:
    checks = list(checks)
    passed = sum(check.passed for check in checks)
    failed = defaultdict(int)
    for check in checks:
        if not check.passed:
            failed[check.severity] += 1
    words = [f"{passed} passed"]
    for severity in (AssetCheckSeverity.ERROR, AssetCheckSeverity.WARN):
        if failed[severity]:
            words.append(f"{failed[severity]} failed ({severity.value.lower()})")
    return ", ".join(words)


class RunTalk(logging.Handler):
    """Turns a run's log records into lines for ``echo``; ``summary()`` once the run ended."""

    def __init__(self, echo: Callable[[str], None]):
        super().__init__(logging.DEBUG)
        self.echo = echo
        self.steps: dict[str, _Step] = defaultdict(_Step)
        self.failed_steps: dict[str, str] = {}
        self.skipped_steps: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # Dagster puts the structured record (with the event, if any) on this attribute.
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is not None:
            self.event(event)
        elif record.levelno >= logging.INFO:
            level = "" if record.levelno == logging.INFO else f"{record.levelname}: "
            self.echo(f"    {level}{meta.get('orig_message', record.getMessage())}")

    def event(self, event: DagsterEvent) -> None:
        step_key = event.step_key
        kind = event.event_type
        if kind == DagsterEventType.STEP_START:
            self.echo(f"{step_key}: started")
        elif kind == DagsterEventType.ASSET_MATERIALIZATION:
            self.steps[step_key].materializations.append(event.event_specific_data.materialization)
        elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
            self.steps[step_key].checks.append(event.event_specific_data)
        elif kind == DagsterEventType.STEP_SUCCESS:
            seconds = event.event_specific_data.duration_ms / 1000
            counts = self.step_counts(step_key)
            self.echo(f"{step_key}: done in {seconds:.1f} s{': ' + counts if counts else ''}")
        elif kind == DagsterEventType.STEP_FAILURE:
            error = event.event_specific_data.error
            # A step's own exception is the cause of Dagster's "error while executing" wrapper.
            if error is not None and error.cls_name == STEP_ERROR_WRAPPER and error.cause:
                error = error.cause
            message = error.message.strip() if error else "no error recorded"
            self.failed_steps[step_key] = message
            self.echo(f"{step_key}: FAILED: {message}")
        elif kind == DagsterEventType.STEP_SKIPPED:
            self.skipped_steps.append(step_key)
            self.echo(f"{step_key}: not run (a step it needs failed)")
        elif kind == DagsterEventType.STEP_UP_FOR_RETRY:
            self.echo(f"{step_key}: will retry ({event.message})")

    def step_counts(self, step_key: str) -> str:
        step = self.steps[step_key]
        totals = _totals(step.materializations)
        words = []
        for noun, counts in (("files", FILE_COUNTS), ("rows", ROW_COUNTS)):
            if any(key in totals for key in counts):
                words.append(f"{noun}: {_counted(totals, counts)}")
        words.extend(
            f"{label}: {totals[key]:,}" for key, label in OTHER_COUNTS.items() if key in totals
        )
        if step.materializations and not words:
            words.append(f"{len(step.materializations)} assets materialised")
        if step.checks:
            words.append(f"checks: {_check_counts(step.checks)}")
        return "; ".join(words)

    def _paths(self, key: str) -> dict[str, str]:
        return {
            materialization.asset_key.to_user_string(): str(_value(materialization.metadata, key))
            for step in self.steps.values()
            for materialization in step.materializations
            if key in materialization.metadata
        }

    def summary(self) -> list[str]:
        """The closing lines: files, rows, checks, where the published file and reports are."""
        totals = _totals(m for step in self.steps.values() for m in step.materializations)
        checks = [check for step in self.steps.values() for check in step.checks]
        lines = [
            "Summary:",
            f"  files: {_counted(totals, FILE_COUNTS, every=True)}",
            f"  rows: {_counted(totals, ROW_COUNTS, every=True)}",
        ]
        lines.append(f"  checks: {_check_counts(checks)}")
        failed = sorted(
            f"{c.asset_key.to_user_string()}:{c.check_name}" for c in checks if not c.passed
        )
        lines.extend(f"    failed: {name}" for name in failed)
        published = self._paths(PUBLISHED_PATH)
        if published:
            lines.extend(f"  published file: {path}" for path in published.values())
        else:
            lines.append("  published file: not replaced by this run")
        lines.extend(f"  {name}: {path}" for name, path in sorted(self._paths(REPORT_PATH).items()))
        if self.failed_steps:
            lines.append(f"  failed steps: {', '.join(sorted(self.failed_steps))}")
        if self.skipped_steps:
            lines.append(f"  steps not run: {len(self.skipped_steps)}")
        return lines


def talk_logger(talk: RunTalk) -> dg.LoggerDefinition:
    """A Dagster logger that hands every record of the run, events included, to ``talk``."""

    @dg.logger(description="The command line's lines: steps with counts, warnings, notes.")
    def _talk(_init_context) -> logging.Logger:
        run_logger = logging.getLogger(f"{__name__}.{id(talk)}")
        run_logger.setLevel(logging.DEBUG)
        run_logger.handlers = [talk]
        run_logger.propagate = False
        return run_logger

    return _talk
