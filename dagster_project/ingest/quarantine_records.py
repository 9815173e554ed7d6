"""The reason file beside each quarantined file: what a person reads, and the record of the
refusal that outlives the warehouse (``audit.restore_quarantine_audit`` reads it back).
"""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REASON_SUFFIX = ".reason.txt"
_FOOTER = (
    "\n\nNothing in this file was loaded. It was moved here from the landing folder;\n"
    "once the problem is fixed, drop the corrected file into the landing folder.\n"
)
_FIELDS = ("File", "SHA-256", "Refused", "Reason")


@dataclass(frozen=True)
class Refusal:
    file_name: str
    kind: str
    sha256: str
    reason: str
    quarantine_path: Path
    at: datetime


def reason_file(quarantined: Path) -> Path:
    return quarantined.with_name(quarantined.name + REASON_SUFFIX)


def write_reason_file(refusal: Refusal) -> None:
    values = (refusal.file_name, refusal.sha256, refusal.at.isoformat(sep=" "), refusal.reason)
    header = "\n".join(f"{field}: {value}" for field, value in zip(_FIELDS, values, strict=True))
    reason_file(refusal.quarantine_path).write_text(header + _FOOTER, encoding="utf-8")


def read_reason_file(path: Path) -> Refusal:
    """The refusal a reason file records (its kind is the folder's name); ValueError if the
    file is not one ``write_reason_file`` wrote."""
    text = path.read_text(encoding="utf-8").removesuffix(_FOOTER)
    head, _, reason = text.partition(f"\n{_FIELDS[-1]}: ")
    fields = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
    if not reason or any(field not in fields for field in _FIELDS[:-1]):
        raise ValueError(f"{path} is not a reason file written by the ingestion")
    return Refusal(
        file_name=fields["File"],
        kind=path.parent.name,
        sha256=fields["SHA-256"],
        reason=reason,
        quarantine_path=path.with_name(path.name.removesuffix(REASON_SUFFIX)),
        at=datetime.fromisoformat(fields["Refused"]),
    )
