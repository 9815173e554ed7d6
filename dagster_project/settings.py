"""Where the platform keeps its files, read from the environment.

``MASH_DATA_DIR`` is the one variable shared by the Dagster DuckDB resource and the dbt
profile (``dbt/profiles.yml``); ``MASH_LANDING_DIR`` overrides the landing folder alone.

Every function here only computes a path: none creates a folder or writes the environment.
The step that writes a file makes its folder.
"""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt"
#: The demo county's council profile, used unless ``MASH_COUNCIL_PROFILE`` names another.
SHIPPED_COUNCIL_PROFILE = PROJECT_ROOT / "config" / "council.yml"

DATA_DIR_ENV = "MASH_DATA_DIR"
LANDING_DIR_ENV = "MASH_LANDING_DIR"
PSEUDONYM_KEY_ENV = "MASH_PSEUDONYM_KEY"
PSEUDONYM_KEY_FILE_ENV = "MASH_PSEUDONYM_KEY_FILE"
TRIAL_PLAN_ENV = "MASH_TRIAL_PLAN"
COUNCIL_PROFILE_ENV = "MASH_COUNCIL_PROFILE"

LANDING_KINDS = ("contacts", "calls", "schools")


#: The analysts' copy of the warehouse, within the data folder.
PUBLISHED_FILE = Path("published") / "mash.duckdb"


def data_dir() -> Path:
    """The data folder, absolute (it need not exist yet)."""
    return Path(os.environ.get(DATA_DIR_ENV) or PROJECT_ROOT / "data").expanduser().resolve()


def dbt_environment(folder: Path | None = None) -> dict[str, str]:
    """What a dbt subprocess of the platform needs in its environment to find this data folder.

    The profile names the warehouse ``$MASH_DATA_DIR/warehouse.duckdb``. dbt keys its parse
    cache on the profile as rendered, so an absolute data folder there would make every new
    data folder's first dbt run parse the whole project again (about 4 s). Instead the
    subprocess gets ``MASH_DATA_DIR=~`` and ``HOME`` set to the data folder, whose ``~`` DuckDB
    expands: the profile, and the parse ``make setup`` prepares, are the same for every data
    folder. (dbt is given its profiles folder, so nothing else reads ``~``.) ``folder``, when
    given, is the data folder instead of this environment's (made absolute, as ``~`` must be)."""
    return {DATA_DIR_ENV: "~", "HOME": str(folder.resolve() if folder else data_dir())}


def dagster_home() -> Path:
    """The Dagster instance of this data folder: run history, schedules, sensor cursors."""
    return data_dir() / "dagster"


def landing_dir() -> Path:
    override = os.environ.get(LANDING_DIR_ENV)
    return Path(override).expanduser().resolve() if override else data_dir() / "landing"


def warehouse_path() -> Path:
    return data_dir() / "warehouse.duckdb"


def published_path() -> Path:
    return data_dir() / PUBLISHED_FILE


def quarantine_dir() -> Path:
    return data_dir() / "quarantine"


def reports_dir() -> Path:
    return data_dir() / "reports"


def trial_dir() -> Path:
    return data_dir() / "trial"


def trial_plan_path() -> Path:
    override = os.environ.get(TRIAL_PLAN_ENV)
    return (
        Path(override).expanduser().resolve()
        if override
        else PROJECT_ROOT / "config" / "trial_plan.yml"
    )


def council_profile_path() -> Path:
    """The council profile (``dagster_project/council.py``); the shipped one is the demo
    county's."""
    override = os.environ.get(COUNCIL_PROFILE_ENV)
    return Path(override).expanduser().resolve() if override else SHIPPED_COUNCIL_PROFILE


def pseudonym_key_file() -> Path:
    override = os.environ.get(PSEUDONYM_KEY_FILE_ENV)
    default = Path.home() / ".config" / "mash" / "pseudonym.key"
    return Path(override).expanduser().resolve() if override else default
