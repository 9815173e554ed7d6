"""A command-line run talks: a line as each step starts and ends, with its counts; dbt's own
lines stay off the terminal; a closing summary of files, rows, checks and where the outputs
are; a second run over the same landing folder lists every file it skipped."""

import re

import dagster as dg

from dagster_project import settings
from dagster_project.pipeline import materialize_all
from dagster_project.run_summary import RunTalk
from tests.ops.small_landing import landing_files, write_landing

WARN = dg.AssetCheckSeverity.WARN
ERROR = dg.AssetCheckSeverity.ERROR

LANDING_FILES = landing_files(
    (["C0003", "CHILD-3", "not a date", "Email", "2A - Schools", "Abbey Infant", "NFA"],)
)


def _write_landing(landing) -> None:
    write_landing(landing, LANDING_FILES)


def _summary(out: str) -> list[str]:
    return out[out.index("Summary:") :].splitlines()


def test_a_run_says_what_each_step_did_and_sums_up(data_dir, tmp_path, monkeypatch, capfd):
    monkeypatch.setenv(settings.PSEUDONYM_KEY_FILE_ENV, str(tmp_path / "keys" / "pseudonym.key"))
    monkeypatch.delenv(settings.PSEUDONYM_KEY_ENV, raising=False)
    _write_landing(settings.landing_dir())

    succeeded = materialize_all(talk=True)
    out = capfd.readouterr().out

    assert "Running with dbt=" not in out and "dbt build" not in out
    started = re.findall(r"^(\S+): started$", out, re.MULTILINE)
    ended = re.findall(r"^(\S+): (?:done in [\d.]+ s|FAILED)", out, re.MULTILINE)
    assert started and sorted(started) == sorted(ended)
    assert re.search(
        r"^raw__contacts: done in .*files: 1 loaded; rows: 2 loaded, 1 rejected", out, re.M
    )
    dbt_line = re.search(
        r"^dbt_staging_models: done in .*: (\d+) assets materialised; checks: (\d+) passed",
        out,
        re.M,
    )
    assert dbt_line and int(dbt_line[1]) > 0 and int(dbt_line[2]) > 0
    assert re.search(r"^matching__agency_matches: done in .*names matched this run: 1", out, re.M)

    summary = _summary(out)
    assert "  files: 3 loaded, 0 skipped (already loaded), 0 quarantined" in summary
    assert "  rows: 4 loaded, 1 rejected" in summary
    checks = next(line for line in summary if line.startswith("  checks: "))
    assert re.fullmatch(r"  checks: \d+ passed.*\(warn\).*", checks), "the rejected row warns"
    report = next(line for line in summary if line.startswith("  reports/demand_report: "))
    assert (settings.data_dir() / "reports" / "demand_report.html").as_posix() in report
    failed = [line for line in summary if line.startswith("  failed steps: ")]
    assert succeeded == (not failed)
    for step in failed[0].removeprefix("  failed steps: ").split(", ") if failed else []:
        assert f"{step}: FAILED: " in out, "a failure is shown with its error"

    materialize_all(talk=True)
    again = capfd.readouterr().out

    for name in LANDING_FILES:
        assert f"    {name}: skipped, already loaded" in again
    assert "  files: 0 loaded, 3 skipped (already loaded), 0 quarantined" in _summary(again)
    assert "  rows: 0 loaded, 0 rejected" in _summary(again)


@dg.asset(
    check_specs=[
        dg.AssetCheckSpec("accepted", asset="landed"),
        dg.AssetCheckSpec("fresh", asset="landed"),
    ]
)
def landed():
    yield dg.MaterializeResult(
        metadata={"files_loaded": 2, "files_skipped": 5, "rows_loaded": 30, "rows_rejected": 1}
    )
    yield dg.AssetCheckResult(check_name="accepted", passed=False, severity=WARN)
    yield dg.AssetCheckResult(check_name="fresh", passed=True)


@dg.asset(deps=[landed], check_specs=[dg.AssetCheckSpec("complete", asset="copied")])
def copied(tmp_path_factory_dir: dg.ResourceParam[str]):
    path = f"{tmp_path_factory_dir}/copy.duckdb"
    yield dg.MaterializeResult(metadata={"path": dg.MetadataValue.path(path), "table_count": 4})
    yield dg.AssetCheckResult(check_name="complete", passed=False, severity=ERROR)


@dg.asset
def broken():
    raise ValueError("the landing folder is not readable")


def test_replayed_events_give_step_lines_and_checks_by_severity(tmp_path):
    result = dg.materialize(
        [landed, copied, broken],
        resources={"tmp_path_factory_dir": str(tmp_path)},
        raise_on_error=False,
    )
    lines = []
    talk = RunTalk(lines.append)
    for event in result.all_events:
        talk.event(event)

    assert "landed: started" in lines
    done = next(line for line in lines if line.startswith("landed: done in "))
    assert done.endswith(
        "files: 2 loaded, 5 skipped (already loaded); rows: 30 loaded, 1 rejected; "
        "checks: 1 passed, 1 failed (warn)"
    )
    copied_done = next(line for line in lines if line.startswith("copied: done in "))
    assert copied_done.endswith("tables published: 4; checks: 0 passed, 1 failed (error)")
    assert any(
        line.startswith("broken: FAILED: ") and "the landing folder is not readable" in line
        for line in lines
    )
    assert talk.summary() == [
        "Summary:",
        "  files: 2 loaded, 5 skipped (already loaded), 0 quarantined",
        "  rows: 30 loaded, 1 rejected",
        "  checks: 1 passed, 1 failed (error), 1 failed (warn)",
        "    failed: copied:complete",
        "    failed: landed:accepted",
        f"  published file: {tmp_path}/copy.duckdb",
        "  failed steps: broken",
    ]
