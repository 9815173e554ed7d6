"""One whole simulated trial, played once per test session through the real pipeline.

``mash simulate`` writes the calibrated demo baseline (Sep 2017 - Aug 2019), materialises
every asset, randomises, writes the trial months with a planted effect and materialises
again. The tests in this folder read what it built; tests that change things work on a copy.
"""

import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from dagster_project import settings

MASH = str(Path(sys.executable).parent / "mash")
PLANTED_RATE_RATIO = 0.75
PLANTED_DISPLACEMENT = 0.3
DEMO_SEED = 20190901


@dataclass(frozen=True)
class PlayedTrial:
    data_dir: Path
    stdout: str
    env: dict
    planted_rate_ratio: float = PLANTED_RATE_RATIO

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.data_dir / "published" / "mash.duckdb"

    @property
    def landing(self) -> Path:
        return self.data_dir / "landing"

    @property
    def truth(self) -> Path:
        return self.data_dir / "demo_truth"

    def query(self, sql: str, params=None, published: bool = False):
        path = self.published if published else self.warehouse
        with duckdb.connect(str(path), read_only=True) as conn:
            return conn.execute(sql, params or []).df()


def pipeline_env(data_dir: Path, key: str, landing_dir: Path | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASH_", "DAGSTER_HOME"))}
    env[settings.DATA_DIR_ENV] = str(data_dir)
    env[settings.PSEUDONYM_KEY_ENV] = key
    if landing_dir is not None:
        env[settings.LANDING_DIR_ENV] = str(landing_dir)
    return env


@pytest.fixture(scope="session")
def played_trial(tmp_path_factory) -> PlayedTrial:
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    env = pipeline_env(data_dir, secrets.token_hex(32))
    command = [
        MASH,
        "simulate",
        f"--effect={PLANTED_RATE_RATIO}",
        f"--displacement={PLANTED_DISPLACEMENT}",
        f"--seed={DEMO_SEED}",
        f"--out={data_dir}",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return PlayedTrial(data_dir, done.stdout, env)


@pytest.fixture
def trial_copy(played_trial, tmp_path) -> PlayedTrial:
    """A private copy of the played trial's data folder, to change without disturbing others."""
    data_dir = tmp_path / "data"
    shutil.copytree(played_trial.data_dir, data_dir, symlinks=True)
    # As the runbook says for a moved data folder: its Dagster config names the copy's own
    # event log, not the original's.
    config = data_dir / "dagster" / "dagster.yaml"
    original, copy = str(played_trial.data_dir.resolve()), str(data_dir.resolve())
    config.write_text(config.read_text().replace(original, copy))
    env = {**played_trial.env, settings.DATA_DIR_ENV: str(data_dir)}
    return PlayedTrial(data_dir, "", env)


@pytest.fixture
def run_mash():
    """Run the ``mash`` command line against a played trial's data folder."""

    def run(trial: PlayedTrial, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [MASH, *args], env=trial.env, capture_output=True, text=True, timeout=900
        )

    return run
