"""The CONSORT flow of schools: from the plan's eligible population (schools of the plan's
local authorities) through each exclusion to randomisation, allocation and analysis.

``trial.consort`` (step, arm, schools, reason, step_order), when the trial wrote it, is the
record; otherwise the same rows are computed from the assignment, the school register and
the plan. A row with a reason is an exclusion at its step; a row with an arm belongs to
that arm's column of boxes.
"""

from datetime import date
from html import escape

import duckdb
import pandas as pd

from dagster_project.reports.page import paragraph
from dagster_project.reports.tables import count
from dagster_project.reports.trial_labels import given
from dagster_project.trial.plan import TrialPlan
from dagster_project.warehouse import table_exists

ARMS = ("intervention", "comparison")
FLOW_COLUMNS = ["step", "arm", "schools", "reason", "step_order"]


def arm_order(arms) -> list[str]:
    return sorted(arms, key=lambda arm: (ARMS.index(arm) if arm in ARMS else len(ARMS), str(arm)))


def unit(columns: set[str]) -> str:
    """A randomised unit: the school drawn (its academy successors count as the same school)."""
    return (
        "coalesce(a.randomised_urn, a.school_urn)"
        if "randomised_urn" in columns
        else "a.school_urn"
    )


def drawn(columns: set[str]) -> str:
    return "a.source = 'randomised'" if "source" in columns else "true"


def flow(
    connection: duckdb.DuckDBPyConnection,
    columns: set[str],
    intervention_start: date | None,
    plan: TrialPlan | None,
) -> tuple[str, dict[str, int]]:
    """The flow diagram, and the schools randomised in each arm."""
    arms = _arms(connection, columns, intervention_start)
    if table_exists(connection, "trial.consort"):
        steps = connection.execute(
            "select step, arm, schools, reason, step_order from trial.consort"
        ).df()
        source = "trial.consort"
        if plan is not None:
            steps.attrs["other_las"] = _other_authorities(connection, list(plan.la_codes))
    else:
        steps = pd.DataFrame([], columns=FLOW_COLUMNS)
    if steps.empty:
        steps = computed_flow(connection, columns, arms, plan)
        source = "the assignment and the school register"
    html = render_flow(steps) + paragraph(f"Counts from {source}.", "note")
    if intervention_start is None:
        html += paragraph("The intervention start is not known, so no school counts as analysed.")
    return html, {str(arm): int(arms.at[arm, "randomised"]) for arm in arm_order(arms.index)}


def _arms(connection, columns: set[str], intervention_start: date | None) -> pd.DataFrame:
    return (
        connection.execute(
            f"""
        select a.arm,
               count(distinct {unit(columns)}) filter (where {drawn(columns)}) as randomised,
               count(*) filter (where not ({drawn(columns)})) as successors,
               count(distinct {unit(columns)}) filter (where exists (
                   select 1 from marts.fct_school_month m
                   where m.school_urn = a.school_urn and m.month_start >= ?)) as analysed
        from trial.assignment a group by a.arm
        """,
            [intervention_start or date.max],
        )
        .df()
        .set_index("arm")
    )


def computed_flow(connection, columns: set[str], arms: pd.DataFrame, plan: TrialPlan | None):
    """The flow rows from the register: each school of the plan's local authorities that was
    not randomised counted once, under the first eligibility rule it fails."""
    if plan is not None:
        la_codes = list(plan.la_codes)
        phases = [phase.casefold() for phase in plan.phases]
    else:
        la_codes = [
            str(code)
            for (code,) in connection.execute(
                "select distinct trim(s.la_code::varchar) from trial.assignment a "
                "join marts.dim_school s using (school_urn)"
            ).fetchall()
        ]
        phases = None
    phase_rule = (
        "when lower(trim(coalesce(phase, ''))) not in (select unnest(?::varchar[])) "
        "then 'Phase not in the plan'"
        if phases is not None
        else ""
    )
    not_randomised = (
        "Eligible but not randomised"
        if plan is not None
        else "Not randomised (no trial plan to give the reason)"
    )
    #: In the order the placeholders appear: the phases' rule, then the authorities.
    params = [*([phases] if phases is not None else []), la_codes]
    home = connection.execute(
        f"""
        select case
                   when school_urn in (select school_urn from trial.assignment) then null
                   when not coalesce(is_open, false) then 'Closed'
                   {phase_rule}
                   when pupils is null or pct_fsm is null
                       then 'Enrolment or free school meals unknown'
                   else '{not_randomised}'
               end as reason,
               count(*) as schools
        from marts.dim_school
        where trim(la_code::varchar) in (select unnest(?::varchar[]))
        group by all
        """,
        params,
    ).df()
    population = (
        f"Schools of the plan's local authorities ({', '.join(la_codes)})"
        if plan is not None
        else f"Schools of the randomised schools' local authorities ({', '.join(la_codes)})"
    )
    rows = [(population, None, int(home["schools"].sum()), None, 1)]
    rows += [
        ("Excluded", None, int(n), reason, 1)
        for reason, n in zip(home["reason"], home["schools"], strict=True)
        if given(reason) and n
    ]
    order = arm_order(arms.index)
    rows.append(("Randomised", None, int(arms["randomised"].sum()), None, 2))
    rows += [("Allocated", arm, int(arms.at[arm, "randomised"]), None, 3) for arm in order]
    rows += [
        (
            "Added",
            arm,
            int(arms.at[arm, "successors"]),
            "Academy successors taking their predecessor's arm",
            3,
        )
        for arm in order
        if arms.at[arm, "successors"]
    ]
    rows += [
        ("With trial-period data", arm, int(arms.at[arm, "analysed"]), None, 4) for arm in order
    ]
    rows += [
        ("Not analysed", arm, int(missing), "No trial-period data", 4)
        for arm in order
        if (missing := arms.at[arm, "randomised"] - arms.at[arm, "analysed"])
    ]
    steps = pd.DataFrame(rows, columns=FLOW_COLUMNS)
    steps.attrs["other_las"] = _other_authorities(connection, la_codes)
    return steps


def _other_authorities(connection, la_codes: list[str]) -> int:
    """Schools on the register outside the trial's local authorities."""
    [(schools,)] = connection.execute(
        "select count(*) from marts.dim_school "
        "where trim(coalesce(la_code::varchar, '')) not in (select unnest(?::varchar[]))",
        [la_codes],
    ).fetchall()
    return int(schools)


def render_flow(steps: pd.DataFrame) -> str:
    """Boxes step by step, each step's exclusions beside it."""
    parts = []
    for _, step in steps.sort_values("step_order", kind="stable").groupby("step_order", sort=True):
        main = step[~step["reason"].map(given)]
        excluded = step[step["reason"].map(given)]
        boxes = [_box(row) for row in _by_arm(main)]
        for name, rows in excluded.groupby("step", sort=False):
            lines = "".join(f"<li>{escape(_exclusion(row))}</li>" for row in _by_arm(rows))
            boxes.append(
                f'<div class="box aside"><strong>{escape(_sentence(name))}</strong>'
                f'<ul class="reasons">{lines}</ul></div>'
            )
        if parts:
            parts.append('<div class="arrow">↓</div>')
        parts.append(f'<div class="row">{"".join(boxes)}</div>')
    note = ""
    if steps.attrs.get("other_las"):
        note = paragraph(
            f"The register also holds {count(steps.attrs['other_las'])} schools of other local "
            "authorities, outside the trial's population and not counted above.",
            "note",
        )
    return f'<div class="flow">{"".join(parts)}</div>' + note


def _by_arm(rows: pd.DataFrame) -> list[pd.Series]:
    """Rows of the whole trial first, then each arm's in the arms' order."""
    arms = [None, *arm_order({a for a in rows["arm"] if given(a)})]
    return [
        row
        for arm in arms
        for _, row in rows.iterrows()
        if (given(row["arm"]) and row["arm"] == arm) or (arm is None and not given(row["arm"]))
    ]


def _box(row: pd.Series) -> str:
    arm = (
        f"<strong>{escape(str(row['arm']).capitalize())}</strong><br>" if given(row["arm"]) else ""
    )
    step = escape(_sentence(row["step"]))
    return f'<div class="box">{arm}{step}: {count(row["schools"])}</div>'


def _exclusion(row: pd.Series) -> str:
    arm = f"{str(row['arm']).capitalize()}, " if given(row["arm"]) else ""
    reason = _sentence(row["reason"]) if not arm else str(row["reason"])
    return f"{arm}{reason}: {count(row['schools'])}"


def _sentence(text) -> str:
    """The trial writes steps and reasons in lower case ('not open'); a box starts with a
    capital."""
    text = str(text)
    return text[:1].upper() + text[1:]
