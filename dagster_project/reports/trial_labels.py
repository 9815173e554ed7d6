"""Naming the rows of the trial tables in words, and telling a missing value from a given one.

The trial tables key their rows by code ('phone_contacts', 'did_two_way_fe'); the report
shows the names below, and for a code it does not know, the code with spaces for underscores
and a capital letter.
"""

import pandas as pd

OUTCOMES = {
    "phone_contacts": "Telephone contacts",
    "email_contacts": "Email contacts",
    "other_contacts": "Other contacts",
    "referrals": "Referrals",
    "contacts_and_referrals": "Contacts and referrals",
    "calls_attributed": "Calls from the school's numbers",
}
MODELS = {
    "poisson_qmle": "Poisson quasi-likelihood",
    "negative_binomial": "Negative binomial",
    "ols_ancova": "Linear ANCOVA",
    "did_two_way_fe": "Difference in differences (two-way fixed effects)",
}
POWER_METHODS = {
    "ancova_analytic": "Formula, linear ANCOVA",
    "negative_binomial_analytic": "Formula, negative binomial",
    "simulation": "Simulation (re-randomised)",
}
VARIABLES = {
    "pupils": "Enrolment (pupils)",
    "pct_fsm": "% free school meals",
    "baseline_outcome": "Baseline outcome",
    "stratum": "Stratum",
    **{f"{code}_per_month": f"{name}, baseline per month" for code, name in OUTCOMES.items()},
}
ALL_NAMES = {**OUTCOMES, **MODELS, **POWER_METHODS, **VARIABLES}


def readable(code) -> str:
    """The report's name for a code of the trial tables."""
    text = str(code)
    if text in ALL_NAMES:
        return ALL_NAMES[text]
    spaced = text.replace("_", " ").strip()
    return spaced[:1].upper() + spaced[1:]


def row_labels(frame: pd.DataFrame, key_columns: list[str]) -> pd.Series:
    """'Outcome · model' in words from the table's key columns; the first text column stands
    in when none of them is there."""
    present = [column for column in key_columns if column in frame]
    if not present:
        present = [c for c in frame.columns if frame[c].dtype == object][:1]
    if not present:
        return pd.Series([f"Row {n + 1}" for n in range(len(frame))], index=frame.index)
    return frame[present].map(readable).agg(" · ".join, axis=1)


def given(value) -> bool:
    """False for None, NaN/NaT and empty text."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return False
    return bool(str(value).strip())
