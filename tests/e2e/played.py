"""A played demo trial's data folder, and copies of it to change."""

import shutil
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from dagster_project import settings


@dataclass(frozen=True)
class PlayedTrial:
    data_dir: Path
    stdout: str
    env: dict
    planted_rate_ratio: float

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


def copy_trial(played: PlayedTrial, data_dir: Path) -> PlayedTrial:
    """A private copy of a played trial's data folder, to change without disturbing others."""
    shutil.copytree(played.data_dir, data_dir, symlinks=True)
    return trial_at(played, data_dir)


def trial_at(played: PlayedTrial, data_dir: Path) -> PlayedTrial:
    """The played trial's data folder as copied or moved to ``data_dir``."""
    env = {**played.env, settings.DATA_DIR_ENV: str(data_dir)}
    return replace(played, data_dir=data_dir, stdout="", env=env)
