"""The trial's analysis plan: a YAML file read into a validated, hashable object.

Everything the trial assets decide (who is eligible, the strata, the allocation, the seed,
the windows, the outcomes and their tests) comes from the plan, so that the plan can be
fixed before randomisation and checked afterwards by its hash.
"""

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from pathlib import Path

import yaml

from dagster_project import settings
from dagster_project.council import ProfileError, load_profile

ARMS = ("intervention", "comparison")
OUTCOME_COLUMNS = (
    "phone_contacts",
    "email_contacts",
    "other_contacts",
    "referrals",
    "contacts_and_referrals",
    "calls_attributed",
)
STRATIFIERS = ("pupils", "pct_fsm")
COVARIATES = ("baseline_outcome", "pupils", "pct_fsm", "stratum")
SECONDARY_TESTS = ("two_sided", "non_inferiority")
MULTIPLICITY_METHODS = ("holm",)
ALPHA_SPENDING = ("obrien_fleming",)
MERGER_RULES = ("same_arm_to_lineage",)
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class PlanError(ValueError):
    """The plan file is missing, unreadable or says something the trial cannot do."""


@dataclass(frozen=True)
class Window:
    """Whole calendar months, both ends included."""

    start: date
    end: date

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def month_starts(self) -> list[date]:
        return [add_months(self.start, k) for k in range(self.months)]

    def label(self) -> str:
        return f"{self.start:%b %Y} - {self.end:%b %Y}"


@dataclass(frozen=True)
class Stratifier:
    """A baseline variable cut into bands; schools are blocked by their bands."""

    name: str
    cut_points: tuple[float, ...]
    labels: tuple[str, ...]
    variable: str

    def band(self, value: float) -> str:
        return self.labels[sum(value >= cut for cut in self.cut_points)]


@dataclass(frozen=True)
class SecondaryOutcome:
    """A secondary outcome, its test, and the margin of a non-inferiority test."""

    column: str
    test: str
    margin: float | None = None


@dataclass(frozen=True)
class TrialPlan:
    path: Path
    content: dict
    la_codes: tuple[str, ...]
    phases: tuple[str, ...]
    strata: tuple[Stratifier, ...]
    intervention_share: Fraction
    seed: int
    baseline: Window
    trial: Window
    secondary_outcomes: tuple[SecondaryOutcome, ...]
    primary_outcome: str
    covariates: tuple[str, ...]
    alpha: float
    randomisation_draws: int
    randomisation_seed: int
    target_power: float
    power_simulations: int
    power_seed: int
    interim_looks: tuple[int, ...] = ()
    alpha_spending: str = "obrien_fleming"
    merger_rule: str = "same_arm_to_lineage"

    @property
    def hash(self) -> str:
        return plan_hash(self.content)

    def stratum(self, values: dict) -> str:
        """The stratum label of a school, e.g. 'size:small/fsm:high'."""
        return "/".join(f"{s.name}:{s.band(values[s.variable])}" for s in self.strata)

    def stratum_order(self) -> list[str]:
        labels = [""]
        for stratifier in self.strata:
            labels = [
                f"{prefix}/{stratifier.name}:{band}" if prefix else f"{stratifier.name}:{band}"
                for prefix in labels
                for band in stratifier.labels
            ]
        return labels

    @property
    def outcomes(self) -> tuple[str, ...]:
        return (self.primary_outcome, *(s.column for s in self.secondary_outcomes))


def plan_hash(content: dict) -> str:
    """sha256 of the plan's canonical JSON form: keys sorted, no layout, no comments."""
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_plan(path: Path | None = None) -> TrialPlan:
    """Read and check the plan (default: ``settings.trial_plan_path()``)."""
    path = Path(path) if path else settings.trial_plan_path()
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise PlanError(
            f"Trial plan {path} not found; set {settings.TRIAL_PLAN_ENV} or restore it."
        ) from error
    except yaml.YAMLError as error:
        raise PlanError(f"Trial plan {path} is not valid YAML: {error}") from error
    if not isinstance(content, dict):
        raise PlanError(f"Trial plan {path} must be a mapping of settings.")
    return _PlanReader(path, _with_council_authority(content)).read()


def _with_council_authority(content: dict) -> dict:
    """The plan with ``eligibility.la_codes`` the council profile's LA code when it names
    none: the plan need not name the council, and its hash still covers who is eligible."""
    eligibility = content.get("eligibility")
    if not isinstance(eligibility, dict) or eligibility.get("la_codes") is not None:
        return content
    try:
        home = load_profile().home
    except ProfileError as error:
        raise PlanError(f"Trial plan: `eligibility.la_codes` not given, and {error}") from error
    return {**content, "eligibility": {**eligibility, "la_codes": [home.la_code]}}


class _PlanReader:
    def __init__(self, path: Path, content: dict):
        self.path = path
        self.content = content

    def fail(self, key: str, problem: str):
        raise PlanError(f"Trial plan {self.path}, `{key}`: {problem}")

    def get(self, key: str):
        node = self.content
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                self.fail(key, "missing")
            node = node[part]
        return node

    def number(self, key: str, low: float, high: float, value=None) -> float:
        value = self.get(key) if value is None else value
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            self.fail(key, f"must be a number, not {value!r}")
        if not low < value < high:
            self.fail(key, f"must lie strictly between {low} and {high}, not {value}")
        return float(value)

    def whole(self, key: str, minimum: int) -> int:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.fail(key, f"must be a whole number of at least {minimum}, not {value!r}")
        return value

    def window(self, key: str) -> Window:
        start, end = self.month(f"{key}.start"), self.month(f"{key}.end")
        if end < start:
            self.fail(key, "ends before it starts")
        return Window(start, end)

    def month(self, key: str) -> date:
        value = self.get(key)
        match = _MONTH.match(str(value))
        if not match or not 1 <= int(match[2]) <= 12:
            self.fail(key, f"must be a month written YYYY-MM, not {value!r}")
        return date(int(match[1]), int(match[2]), 1)

    def strings(self, key: str) -> tuple[str, ...]:
        value = self.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            self.fail(key, "must be a non-empty list of strings")
        return tuple(value)

    def stratifier(self, index: int, node) -> Stratifier:
        key = f"strata[{index}]"
        if not isinstance(node, dict):
            self.fail(key, "must be a mapping with name, variable, cut_points, labels")
        for field in ("name", "variable", "cut_points", "labels"):
            if field not in node:
                self.fail(f"{key}.{field}", "missing")
        if node["variable"] not in STRATIFIERS:
            self.fail(f"{key}.variable", f"must be one of {', '.join(STRATIFIERS)}")
        cuts, labels = node["cut_points"], node["labels"]
        if not isinstance(cuts, list) or not all(
            isinstance(c, int | float) and not isinstance(c, bool) for c in cuts
        ):
            self.fail(f"{key}.cut_points", "must be a list of numbers")
        if sorted(set(cuts)) != cuts:
            self.fail(f"{key}.cut_points", "must be strictly increasing")
        if not isinstance(labels, list) or len(labels) != len(cuts) + 1:
            self.fail(f"{key}.labels", "needs exactly one label more than there are cut points")
        if len(set(map(str, labels))) != len(labels):
            self.fail(f"{key}.labels", "must be distinct")
        return Stratifier(
            name=str(node["name"]),
            cut_points=tuple(map(float, cuts)),
            labels=tuple(map(str, labels)),
            variable=node["variable"],
        )

    def secondary(self, index: int, node) -> SecondaryOutcome:
        key = f"outcomes.secondary[{index}]"
        if not isinstance(node, dict) or node.get("column") not in OUTCOME_COLUMNS:
            self.fail(f"{key}.column", f"must be one of {', '.join(OUTCOME_COLUMNS)}")
        test = node.get("test")
        if test not in SECONDARY_TESTS:
            self.fail(f"{key}.test", f"must be one of {', '.join(SECONDARY_TESTS)}")
        margin = None
        if test == "non_inferiority":
            if "margin" not in node:
                self.fail(f"{key}.margin", "missing (a rate ratio below 1, e.g. 0.90)")
            margin = self.number(f"{key}.margin", 0, 1, value=node["margin"])
        return SecondaryOutcome(node["column"], test, margin)

    def read(self) -> TrialPlan:
        strata_nodes = self.get("strata")
        if not isinstance(strata_nodes, list) or not strata_nodes:
            self.fail("strata", "must be a non-empty list")
        strata = tuple(self.stratifier(i, node) for i, node in enumerate(strata_nodes))
        if len({s.name for s in strata}) != len(strata):
            self.fail("strata", "names must be distinct")

        ratio = {arm: self.whole(f"allocation.{arm}", 1) for arm in ARMS}
        share = Fraction(ratio["intervention"], ratio["intervention"] + ratio["comparison"])

        baseline, trial = self.window("baseline"), self.window("trial")
        if trial.start <= baseline.end:
            self.fail("trial.start", "must come after the baseline ends")

        primary = self.get("outcomes.primary.column")
        if primary not in OUTCOME_COLUMNS:
            self.fail("outcomes.primary.column", f"must be one of {', '.join(OUTCOME_COLUMNS)}")
        secondary_nodes = self.get("outcomes.secondary")
        if not isinstance(secondary_nodes, list):
            self.fail("outcomes.secondary", "must be a list (it may be empty)")
        secondary = tuple(self.secondary(i, node) for i, node in enumerate(secondary_nodes))
        columns = [primary, *(s.column for s in secondary)]
        if len(set(columns)) != len(columns):
            self.fail("outcomes", "an outcome is listed twice")

        covariates = self.strings("covariates")
        unknown = sorted(set(covariates) - set(COVARIATES))
        if unknown:
            self.fail("covariates", f"unknown {unknown}; choose from {', '.join(COVARIATES)}")
        if self.get("secondary_multiplicity") not in MULTIPLICITY_METHODS:
            self.fail("secondary_multiplicity", f"must be one of {MULTIPLICITY_METHODS}")

        interim = self.content.get("interim") or {}
        looks = interim.get("looks_after_months") or []
        if not isinstance(looks, list) or not all(
            isinstance(m, int) and not isinstance(m, bool) and 0 < m < trial.months for m in looks
        ):
            self.fail(
                "interim.looks_after_months",
                f"must list whole numbers of trial months between 1 and {trial.months - 1}",
            )
        if sorted(set(looks)) != looks:
            self.fail("interim.looks_after_months", "must be strictly increasing")
        spending = interim.get("alpha_spending", "obrien_fleming")
        if spending not in ALPHA_SPENDING:
            self.fail("interim.alpha_spending", f"must be one of {', '.join(ALPHA_SPENDING)}")
        merger_rule = self.content.get("mergers", {}).get("rule", "same_arm_to_lineage")
        if merger_rule not in MERGER_RULES:
            self.fail("mergers.rule", f"must be one of {', '.join(MERGER_RULES)}")

        return TrialPlan(
            path=self.path,
            content=self.content,
            la_codes=tuple(str(code) for code in self.get("eligibility.la_codes")),
            phases=self.strings("eligibility.phases"),
            strata=strata,
            intervention_share=share,
            seed=self.whole("randomisation.seed", 0),
            baseline=baseline,
            trial=trial,
            primary_outcome=primary,
            secondary_outcomes=secondary,
            covariates=covariates,
            alpha=self.number("alpha", 0, 0.5),
            target_power=self.number("target_power", 0.5, 1),
            power_simulations=self.whole("power_simulation.simulations", 50),
            power_seed=self.whole("power_simulation.seed", 0),
            randomisation_draws=self.whole("randomisation_inference.draws", 1000),
            randomisation_seed=self.whole("randomisation_inference.seed", 0),
            interim_looks=tuple(looks),
            alpha_spending=spending,
            merger_rule=merger_rule,
        )


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)
