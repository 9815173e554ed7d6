"""A data folder copied (``cp -a``) or moved to another path just works: ``mash run`` finds
nothing new and records the skip, the UI's instance preparation accepts the folder, the
folder's Dagster instance has its run history and records new runs in the folder where it
now is, and the original folder is left as it was."""

import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from dagster_project import settings
from dagster_project.instance import DAGSTER_HOME_ENV
from tests.e2e.played import PlayedTrial, trial_at

#: What the UI's process does with a data folder's instance: read its runs, and run one.
UI_LIKE = textwrap.dedent(
    """
    from dagster import DagsterInstance, asset, materialize

    @asset
    def probe() -> int:
        return 1

    instance = DagsterInstance.get()
    print(len(instance.get_runs()))
    assert materialize([probe], instance=instance).success
    print(instance.event_log_storage._base_dir)
    """
)


def _file_states(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        path.relative_to(folder).as_posix(): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file()
    }


def _run_count(data_dir: Path) -> int:
    runs = data_dir / "dagster" / "history" / "runs.db"
    with sqlite3.connect(f"file:{runs}?mode=ro", uri=True) as conn:
        return conn.execute("select count(*) from runs").fetchone()[0]


def _night_checks(trial: PlayedTrial) -> list[tuple[bool, str]]:
    checks = trial.query("select rebuilt, reason from audit.night_checks order by checked_at")
    return list(checks.itertuples(index=False, name=None))


def _runs_as_a_no_op(trial: PlayedTrial, run_mash) -> None:
    checks_before = _night_checks(trial)
    done = run_mash(trial, "run")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Nothing to do: nothing changed since the last build" in done.stdout
    assert _night_checks(trial) == [
        *checks_before,
        (False, "nothing changed since the last build"),
    ]


def _prepared_for_the_ui(trial: PlayedTrial) -> Path:
    """``make ui``'s first step: the folder's Dagster home, which it sets DAGSTER_HOME to."""
    prepared = subprocess.run(
        [sys.executable, "-m", "dagster_project.instance"],
        env=trial.env,
        capture_output=True,
        text=True,
    )
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    home = Path(prepared.stdout.strip())
    assert home == trial.data_dir / "dagster"
    return home


def test_a_copied_then_moved_data_folder_runs_as_a_no_op(played_trial, run_mash, tmp_path):
    runs = _run_count(played_trial.data_dir)
    original = _file_states(played_trial.data_dir)
    copied = tmp_path / "restored" / "data"
    copied.parent.mkdir()
    subprocess.run(["cp", "-a", str(played_trial.data_dir), str(copied)], check=True)
    copy = trial_at(played_trial, copied)

    _runs_as_a_no_op(copy, run_mash)
    _prepared_for_the_ui(copy)

    moved = trial_at(copy, Path(shutil.move(copied, tmp_path / "moved")))
    _runs_as_a_no_op(moved, run_mash)
    home = _prepared_for_the_ui(moved)
    assert str(played_trial.data_dir) not in (home / "dagster.yaml").read_text()
    ui = subprocess.run(
        [sys.executable, "-c", UI_LIKE],
        env={**moved.env, DAGSTER_HOME_ENV: str(home)},
        cwd=settings.PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert ui.returncode == 0, ui.stderr[-3000:]
    runs_seen, event_log = ui.stdout.split()
    assert int(runs_seen) == runs > 0, "the run history came with the folder"
    assert Path(event_log).is_relative_to(home)
    assert _run_count(moved.data_dir) == runs + 1
    assert not copied.exists()
    assert _file_states(played_trial.data_dir) == original, "the original is as it was"
