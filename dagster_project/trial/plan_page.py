"""The statistical analysis plan as a self-contained HTML page, fit to register before
randomisation: everything the trial assets will do, read from the plan file, its hash, and
the minimum detectable effects from the baseline when the warehouse has them."""

from html import escape

import pandas as pd
import yaml
from scipy import stats

from dagster_project.trial.interim import boundaries
from dagster_project.trial.plan import TrialPlan

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; color: #222;
       line-height: 1.45; padding: 0 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #eee; }
code, pre { background: #f5f5f5; }
pre { padding: 0.75rem; overflow-x: auto; }
"""
MDE_COLUMNS = {
    "outcome": "Outcome",
    "method": "Method",
    "test": "Test",
    "n_schools": "Schools",
    "months": "Months",
    "baseline_rate_per_school_month": "Baseline rate per school-month",
    "mde_rate_ratio": "Minimum detectable rate ratio",
}


def render_plan_page(plan: TrialPlan, power: pd.DataFrame | None) -> str:
    """The page's HTML. ``power`` is the ``trial.power`` table, or None before a baseline."""
    sections = [
        _section("Plan", _plan_identity(plan)),
        _section("Eligibility", _eligibility(plan)),
        _section("Strata and allocation", _allocation(plan)),
        _section("Periods and exposure", _periods(plan)),
        _section("Outcomes", _outcomes(plan)),
        _section("Models", _models(plan)),
        _section("Inference", _inference(plan)),
        _section("Multiplicity", _multiplicity(plan)),
        _section("Interim looks", _interim(plan)),
        _section("Minimum detectable effects", _mde(power)),
        _section(
            "The plan file",
            f"<pre>{escape(yaml.safe_dump(plan.content, sort_keys=False))}</pre>",
        ),
    ]
    title = escape(plan.content.get("title", "Trial"))
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>Statistical analysis plan: {title}</title><style>{STYLE}</style></head><body>"
        f"<h1>Statistical analysis plan</h1><p><strong>{title}</strong></p>"
        + "".join(sections)
        + "</body></html>\n"
    )


def _section(heading: str, body: str) -> str:
    return f"<section><h2>{escape(heading)}</h2>{body}</section>"


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_text(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _plan_identity(plan: TrialPlan) -> str:
    return (
        f"<p>Plan hash (sha256 of the plan's canonical content): <code>{plan.hash}</code>. "
        "The trial assets store it with the frozen assignment and in every trial table; "
        "once schools are randomised, a changed plan stops them.</p>"
    )


def _eligibility(plan: TrialPlan) -> str:
    return (
        "<p>Schools of local authorities "
        f"{escape(', '.join(plan.la_codes))} (the eligible population) that are open at "
        "randomisation, in one of the phases below, with enrolment and % free school meals "
        "known. Schools opened after randomisation are not in the trial.</p>"
        + _table(["Phase of education"], [[p] for p in plan.phases])
    )


def _allocation(plan: TrialPlan) -> str:
    rows = [
        [s.name, s.variable, ", ".join(f"{c:g}" for c in s.cut_points), ", ".join(s.labels)]
        for s in plan.strata
    ]
    share = plan.intervention_share
    return (
        "<p>Blocks are every combination of the bands below; a value equal to a cut point "
        "starts the next band.</p>"
        + _table(["Stratum", "Variable", "Cut points", "Bands"], rows)
        + f"<p>Within each block, {share.numerator} in {share.denominator} schools go to the "
        "intervention: floor(n x share) schools, plus one more with probability equal to the "
        "remainder (randomizr's <code>block_ra</code> rule), with seed "
        f"<code>{plan.seed}</code>.</p>"
    )


def _periods(plan: TrialPlan) -> str:
    return (
        f"<p>Baseline {escape(plan.baseline.label())} ({plan.baseline.months} months); trial "
        f"{escape(plan.trial.label())} ({plan.trial.months} months). Randomisation waits "
        "until the data covers the baseline.</p>"
        "<p>Each school's exposure is the months, in days open over days in the month, that "
        "it or its successors were open (GIAS open and close dates). A closed school keeps "
        "its arm with its exposure cut at closure; a school with no open day in the trial "
        "period is excluded from the analysis. Merger rule "
        f"<code>{escape(plan.merger_rule)}</code>: a successor of predecessors all in one "
        "arm carries their counts in the lineage of the lowest predecessor URN; a successor "
        "of predecessors in different arms is excluded from the merger date, and shown in "
        "the CONSORT flow with the reason.</p>"
    )


def _outcomes(plan: TrialPlan) -> str:
    rows = [[plan.primary_outcome, "primary", "superiority, two-sided", "-"]]
    rows += [
        [
            s.column,
            "secondary",
            s.test.replace("_", "-"),
            f"{s.margin:g}" if s.margin is not None else "-",
        ]
        for s in plan.secondary_outcomes
    ]
    return _table(["Outcome", "Role", "Test", "Non-inferiority margin (rate ratio)"], rows)


def _models(plan: TrialPlan) -> str:
    return (
        "<p>Every rate model: the trial-period count with log exposure as offset, on the "
        f"arm and the baseline covariates {escape(', '.join(plan.covariates))} (the "
        "outcome's own baseline count as log1p). Stratum dummies are left out for strata "
        "in which an outcome has no events in the analysed period (their schools stay at "
        "the reference level); columns aliased with earlier ones are left out, as R's "
        "glm does.</p><ul>"
        "<li>Primary: Poisson quasi-likelihood rate ratio, HC2 sandwich standard error "
        "(glm + sandwich::vcovHC type HC2).</li>"
        "<li>Sensitivity: negative binomial (NB2, MASS::glm.nb); ANCOVA of the monthly rate "
        "with HC2 errors and Hedges' g (estimatr::lm_robust); two-way fixed effects on the "
        "school-month panel with errors clustered by school.</li>"
        "<li>Secondaries: the primary model for each outcome.</li></ul>"
        "<p>A model that cannot be fitted (no events, no events in one arm, a singular "
        "design) gives a row marked not estimable with its reason.</p>"
    )


def _inference(plan: TrialPlan) -> str:
    return (
        "<p>Conclusions come from randomisation inference: "
        f"{plan.randomisation_draws:,} redraws of the blocked assignment (seed "
        f"<code>{plan.randomisation_seed}</code>), with the studentised Poisson QMLE arm "
        "coefficient as the statistic. Two-sided p-values for superiority; non-inferiority "
        "by the one-sided test of H0: rate ratio = margin at alpha/2, the intervention "
        "arm's counts shifted by the margin. A 95% CI for the primary rate ratio inverts "
        "the test (the ratios it does not reject, found by bracketing and bisection) and "
        "is reported beside the Wald CI. Redraws whose fit does not converge are refitted "
        "one by one; any that still fail count as extreme, and their number is reported. "
        f"Alpha {plan.alpha:g}; target power {plan.target_power:g}.</p>"
    )


def _multiplicity(plan: TrialPlan) -> str:
    return (
        "<p>One primary outcome. The secondaries form one family, corrected by Holm's "
        "step-down procedure on their randomisation p-values (a non-inferiority p-value "
        "enters doubled, on the two-sided scale).</p>"
    )


def _interim(plan: TrialPlan) -> str:
    intro = (
        "<p>Two-sided boundaries from Lan-DeMets alpha spending with the O'Brien-Fleming-type "
        "function (alpha/2 a side, 2 - 2&Phi;(z<sub>1-alpha/4</sub>/&radic;t)); the "
        "information fraction t is the trial months observed over the trial's months.</p>"
    )
    if not plan.interim_looks:
        return intro + (
            "<p>The plan names no interim looks: any result before the trial's last month is "
            "descriptive only, and the final analysis uses the full alpha.</p>"
        )
    months = [*plan.interim_looks, plan.trial.months]
    fractions = [m / plan.trial.months for m in months]
    z = boundaries(fractions, plan.alpha)
    rows = [
        [m, f"{t:.3f}", f"{b:.4f}", f"{2 * stats.norm.sf(b):.5f}"]
        for m, t, b in zip(months, fractions, z, strict=True)
    ]
    return intro + _table(
        ["Trial months observed", "Information fraction", "Boundary |z|", "Nominal p"], rows
    )


def _mde(power: pd.DataFrame | None) -> str:
    if power is None or power.empty:
        return (
            "<p>Not yet available: the minimum detectable effects come from the baseline "
            "data (<code>trial.power</code>); run the pipeline once the baseline is in.</p>"
        )
    rows = power[list(MDE_COLUMNS)].to_numpy().tolist()
    return "<p>From the baseline data, at the plan's alpha and target power.</p>" + _table(
        list(MDE_COLUMNS.values()), rows
    )
