"""What the trial report takes from the trial's analysis plan (``config/trial_plan.yml``)."""

from datetime import date
from pathlib import Path

import yaml


def trial_start(path: Path) -> date | None:
    """The first day of the plan's ``trial.start`` month ('2019-09'), or None when the plan
    or the setting is absent."""
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as file:
        content = yaml.safe_load(file) or {}
    trial = content.get("trial") if isinstance(content, dict) else None
    start = trial.get("start") if isinstance(trial, dict) else None
    if start is None:
        return None
    if isinstance(start, date):
        return start.replace(day=1)
    try:
        year, month = str(start).split("-")[:2]
        return date(int(year), int(month), 1)
    except ValueError as error:
        raise ValueError(f"{path}: trial.start {start!r} is not a month like '2019-09'") from error
