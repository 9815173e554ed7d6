"""Baseline balance between the arms: standardised mean differences."""

import numpy as np
import pandas as pd

ALL_STRATA = "all"


def standardised_differences(schools: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    """One row per (variable, stratum), overall first (stratum 'all').

    std_diff = (mean_intervention - mean_comparison) / sqrt((var_i + var_c) / 2), the usual
    standardised mean difference; null where it is undefined (an arm with fewer than two
    schools, or no variation in either arm).
    """
    groups = [(ALL_STRATA, schools)] + list(schools.groupby("stratum", sort=True))
    rows = []
    for variable in variables:
        for stratum, group in groups:
            treated = group.loc[group["treated"], variable].astype(float)
            control = group.loc[~group["treated"], variable].astype(float)
            pooled = np.sqrt((treated.var(ddof=1) + control.var(ddof=1)) / 2)
            difference = treated.mean() - control.mean()
            rows.append(
                {
                    "variable": variable,
                    "stratum": stratum,
                    "n_intervention": len(treated),
                    "n_comparison": len(control),
                    "mean_intervention": treated.mean(),
                    "mean_comparison": control.mean(),
                    "sd_intervention": treated.std(ddof=1),
                    "sd_comparison": control.std(ddof=1),
                    "std_diff": difference / pooled if pooled > 0 else np.nan,
                }
            )
    return pd.DataFrame(rows)
