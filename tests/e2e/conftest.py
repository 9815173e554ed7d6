"""One whole simulated trial, played once per test session through the real pipeline.

``mash simulate`` writes the calibrated demo baseline (Sep 2017 - Aug 2019), materialises
every asset, randomises, writes the trial months with a planted effect and materialises
again. The tests in this folder read what it built; tests that change things work on a copy.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from dagster_project import settings
from tests.e2e.played import PlayedTrial, copy_trial

MASH = str(Path(sys.executable).parent / "mash")
PLANTED_RATE_RATIO = 0.75
PLANTED_DISPLACEMENT = 0.3
DEMO_SEED = 20190901


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
    return PlayedTrial(data_dir, done.stdout, env, PLANTED_RATE_RATIO)


@pytest.fixture
def trial_copy(played_trial, tmp_path) -> PlayedTrial:
    return copy_trial(played_trial, tmp_path / "data")


@pytest.fixture
def run_mash():
    """Run the ``mash`` command line against a played trial's data folder."""

    def run(trial: PlayedTrial, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [MASH, *args], env=trial.env, capture_output=True, text=True, timeout=900
        )

    return run
