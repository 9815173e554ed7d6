"""Report files are readable by the analysts' group, as the published warehouse is."""

import stat

import pytest

from dagster_project.reports.page import REPORT_MODE_ENV, write_report


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_report_is_written_readable_by_everyone_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv(REPORT_MODE_ENV, raising=False)
    path = write_report("<html></html>", tmp_path / "reports" / "demand_report.html")
    assert mode(path) == 0o644
    assert path.read_text() == "<html></html>"
    assert [p.name for p in path.parent.iterdir()] == ["demand_report.html"], "no temporary left"


def test_a_configured_mode_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv(REPORT_MODE_ENV, "0640")
    assert mode(write_report("x", tmp_path / "r.html")) == 0o640


def test_a_mode_that_is_not_octal_is_refused_by_name(tmp_path, monkeypatch):
    monkeypatch.setenv(REPORT_MODE_ENV, "rw-r--r--")
    with pytest.raises(ValueError, match=REPORT_MODE_ENV):
        write_report("x", tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()
