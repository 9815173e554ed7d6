"""Whether a re-sent file replaces the months it covers: ``resend:`` under a kind in the
alias file (docs/extract-contract.md, "Snapshots and increments").

``increment`` (the default): a file adds and updates records; a record it leaves out stays.
``snapshot``: a file is the whole of the months its rows fall in; a record an earlier load
had in one of those months and the file leaves out is withdrawn (dbt model
``audit.withdrawn_records``). Each loaded version records the mode it was loaded under.
"""

from pathlib import Path

import yaml

from dagster_project.ingest.headers import aliases_path

INCREMENT = "increment"
SNAPSHOT = "snapshot"
#: The kinds a council re-sends by month; the school register is always taken whole.
RESENT_KINDS = ("contacts", "calls")


def resend_modes(path: Path | None = None) -> dict[str, str]:
    """The resend mode of each kind in RESENT_KINDS; raises ValueError on an unknown mode."""
    path = path or aliases_path()
    configured = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    modes = {}
    for kind in RESENT_KINDS:
        mode = (configured.get(kind) or {}).get("resend", INCREMENT)
        if mode not in (INCREMENT, SNAPSHOT):
            raise ValueError(
                f"{path}: under {kind}, resend is {mode!r}; give {SNAPSHOT} or {INCREMENT}."
            )
        modes[kind] = mode
    return modes
