"""Naming the rows of the trial tables, and telling a missing value from a given one."""

import pandas as pd


def row_labels(frame: pd.DataFrame, key_columns: list[str]) -> pd.Series:
    """'outcome · model' from the table's key columns (underscores read as spaces); the first
    text column stands in when none of them is there."""
    present = [column for column in key_columns if column in frame]
    if not present:
        present = [c for c in frame.columns if frame[c].dtype == object][:1]
    if not present:
        return pd.Series([f"Row {n + 1}" for n in range(len(frame))], index=frame.index)
    text = frame[present].astype(str).agg(" · ".join, axis=1)
    return text.str.replace("_", " ", regex=False)


def given(value) -> bool:
    """False for None, NaN/NaT and empty text."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return False
    return bool(str(value).strip())
