"""How each month's extract looks on disk: the export's era decides headers, date format,
encoding and optional columns; a few files are special (one Windows-1252 file, one
.xlsx, one with shouting hyphenated headers) and a few rows are deliberately bad.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd
from openpyxl import Workbook

from mash_demo import targets

CONTACT_COLUMNS = (
    "contact_id",
    "child_id",
    "contact_datetime",
    "contact_method",
    "referrer_type",
    "referrer_name",
    "referrer_address",
    "child_ethnicity",
    "child_language",
    "child_disability",
    "child_district",
    "responsible_team",
    "contact_outcome",
    "is_referral",
    "record_updated_at",
    "call_reference",
)
CALL_COLUMNS = (
    "call_id",
    "call_start",
    "caller_number",
    "ivr_option",
    "handling_team",
    "wait_seconds",
    "talk_seconds",
    "call_result",
    "call_outcome",
    "record_updated_at",
)
OLD_CONTACT_HEADERS = {
    "contact_id": "Contact ID",
    "child_id": "Child ID",
    "contact_datetime": "Contact Date Time",
    "contact_method": "Contact Method",
    "referrer_type": "Referrer Type",
    "referrer_name": "Referrer Name",
    "referrer_address": "Referrer Address",
    "child_ethnicity": "Child Ethnicity",
    "child_language": "Child Language",
    "child_disability": "Child Disability",
    "child_district": "Child District",
    "responsible_team": "Responsible Team",
    "contact_outcome": "Contact Outcome",
}
OLD_CALL_HEADERS = {
    "call_id": "Call ID",
    "call_start": "Call Start",
    "caller_number": "Caller Number",
    "ivr_option": "IVR Option",
    "handling_team": "Handling Team",
    "wait_seconds": "Wait Seconds",
    "talk_seconds": "Talk Seconds",
    "call_result": "Call Result",
    "call_outcome": "Call Outcome",
}
WINDOWS_1252_MONTH = date(2018, 2, 1)
XLSX_MONTH = date(2018, 5, 1)
SHOUTING_HEADERS_MONTH = date(2018, 11, 1)
CONTACT_EXTRA_COLUMN_FROM = date(2019, 3, 1)
CALL_EXTRA_COLUMN_FROM = date(2019, 1, 1)
OVERLAP_DAYS = 2  # each contacts extract repeats the last days of the month before
LOCALITIES = {
    "North Warwickshire": "North",
    "Nuneaton and Bedworth": "North",
    "Rugby": "East",
    "Warwick": "South",
    "Stratford-on-Avon": "South",
}

# Deliberately bad rows: (month, column, replacement, reason). A replacement of None blanks
# the column; a string replaces the value written.
BAD_CONTACT_ROWS = (
    (date(2017, 11, 1), "child_id", None, "missing required value"),
    (date(2018, 3, 1), "contact_datetime", "31/02/2018 09:40", "unparseable date"),
    (date(2018, 10, 1), "contact_outcome", None, "missing required value"),
    (date(2019, 4, 1), "contact_datetime", "2019-04-31T10:15:00", "unparseable date"),
    (date(2019, 6, 1), "contact_method", None, "missing required value"),
    (date(2019, 10, 1), "child_id", None, "missing required value"),
)
BAD_CALL_ROWS = (
    (date(2018, 1, 1), "talk_seconds", "-35", "negative duration"),
    (date(2018, 6, 1), "wait_seconds", "-12", "negative duration"),
    (date(2018, 12, 1), "call_start", "32/12/2018 10:00:00", "unparseable date"),
    (date(2019, 5, 1), "talk_seconds", "-120", "negative duration"),
    (date(2019, 11, 1), "call_start", None, "missing required value"),
)


@dataclass
class FileFormat:
    file_type: str  # 'csv' or 'xlsx'
    encoding: str
    line_end: str
    date_format: str
    headers: dict[str, str]
    columns: tuple[str, ...]
    extra_columns: tuple[str, ...] = field(default_factory=tuple)


def contact_format(month: date) -> FileFormat:
    if month < targets.NEW_CASE_SYSTEM:
        columns = tuple(OLD_CONTACT_HEADERS)
        date_format = "%d/%m/%Y %H:%M:%S" if month == WINDOWS_1252_MONTH else "%d/%m/%Y %H:%M"
        return FileFormat(
            file_type="xlsx" if month == XLSX_MONTH else "csv",
            encoding="cp1252" if month == WINDOWS_1252_MONTH else "utf-8",
            line_end="\r\n",
            date_format=date_format,
            headers=OLD_CONTACT_HEADERS,
            columns=columns,
            extra_columns=("Locality",) if month == XLSX_MONTH else (),
        )
    headers = {c: c for c in CONTACT_COLUMNS}
    if month == SHOUTING_HEADERS_MONTH:
        headers = {c: c.upper().replace("_", "-") for c in CONTACT_COLUMNS}
    return FileFormat(
        file_type="csv",
        encoding="utf-8-sig",
        line_end="\n",
        date_format="%Y-%m-%dT%H:%M:%S",
        headers=headers,
        columns=CONTACT_COLUMNS,
        extra_columns=("locality_team",) if month >= CONTACT_EXTRA_COLUMN_FROM else (),
    )


def call_format(month: date) -> FileFormat:
    if month < targets.NEW_CASE_SYSTEM:
        return FileFormat(
            file_type="csv",
            encoding="utf-8",
            line_end="\r\n",
            date_format="%d/%m/%Y %H:%M:%S",
            headers=OLD_CALL_HEADERS,
            columns=tuple(OLD_CALL_HEADERS),
        )
    return FileFormat(
        file_type="csv",
        encoding="utf-8",
        line_end="\n",
        date_format="%Y-%m-%dT%H:%M:%S",
        headers={c: c for c in CALL_COLUMNS},
        columns=CALL_COLUMNS,
        extra_columns=("agent_id",) if month >= CALL_EXTRA_COLUMN_FROM else (),
    )


def _format_times(values: pd.Series, date_format: str) -> list[str]:
    """Datetimes as text in one of the export formats (NaT as blank)."""
    iso = np.datetime_as_string(pd.to_datetime(values).to_numpy().astype("datetime64[s]"), unit="s")
    if date_format == "%Y-%m-%dT%H:%M:%S":
        return [s if s != "NaT" else "" for s in iso]
    if date_format == "%d/%m/%Y %H:%M:%S":
        return [f"{s[8:10]}/{s[5:7]}/{s[:4]} {s[11:19]}" if s != "NaT" else "" for s in iso]
    if date_format == "%d/%m/%Y %H:%M":
        return [f"{s[8:10]}/{s[5:7]}/{s[:4]} {s[11:16]}" if s != "NaT" else "" for s in iso]
    raise ValueError(f"unsupported date format {date_format!r}")


def contact_records(
    this_month: pd.DataFrame, previous: pd.DataFrame | None, month: date
) -> pd.DataFrame:
    """The contact rows of a month's extract: this month's contacts as first recorded, and
    from the month before, the contacts whose decision changed and the last few days."""
    first = this_month.assign(
        contact_outcome=this_month["outcome_initial"],
        is_referral_recorded=this_month["initial_referral"],
        record_updated_at=this_month["recorded_at"],
    )
    parts = [first]
    if previous is not None and len(previous):
        changed = previous["updated_at"].notna()
        recent = previous["contact_at"] >= np.datetime64(month, "m") - np.timedelta64(
            OVERLAP_DAYS, "D"
        )
        carried = previous[changed | recent]
        is_changed = carried["updated_at"].notna()
        parts.insert(
            0,
            carried.assign(
                contact_outcome=np.where(
                    is_changed, carried["outcome_final"], carried["outcome_initial"]
                ),
                is_referral_recorded=np.where(
                    is_changed, carried["is_referral"], carried["initial_referral"]
                ),
                record_updated_at=carried["updated_at"].where(is_changed, carried["recorded_at"]),
            ),
        )
    return pd.concat(parts, ignore_index=True)


def call_records(this_month: pd.DataFrame, previous: pd.DataFrame | None) -> pd.DataFrame:
    first = this_month.assign(record_updated_at=this_month["recorded_at"])
    parts = [first]
    if previous is not None and len(previous):
        changed = previous[previous["updated_at"].notna()]
        parts.insert(
            0,
            changed.assign(
                call_outcome=changed["call_outcome_final"], record_updated_at=changed["updated_at"]
            ),
        )
    return pd.concat(parts, ignore_index=True)


def contact_table(records: pd.DataFrame, fmt: FileFormat) -> pd.DataFrame:
    """The text columns of a contacts file, in the export's own headers."""
    table = pd.DataFrame(
        {
            "contact_id": records["contact_id"],
            "child_id": records["child_id"],
            "contact_datetime": records["contact_at"],
            "contact_method": records["contact_method"],
            "referrer_type": records["referrer_type"],
            "referrer_name": records["referrer_name"],
            "referrer_address": records["referrer_address"],
            "child_ethnicity": records["child_ethnicity"],
            "child_language": records["child_language"],
            "child_disability": records["child_disability"],
            "child_district": records["child_district"],
            "responsible_team": records["responsible_team"],
            "contact_outcome": records["contact_outcome"],
            "is_referral": np.where(records["is_referral_recorded"], "Y", "N"),
            "record_updated_at": records["record_updated_at"],
            "call_reference": records["call_reference"],
        }
    )[list(fmt.columns)]
    if fmt.file_type == "csv":
        for column in ("contact_datetime", "record_updated_at"):
            if column in table:
                table[column] = _format_times(table[column], fmt.date_format)
    if fmt.encoding == "cp1252":
        # Exported through Excel, whose autocorrect turned apostrophes into curly ones.
        table["referrer_name"] = table["referrer_name"].str.replace("'", "\u2019")
    for extra in fmt.extra_columns:
        localities = records["child_district"].map(LOCALITIES).fillna("")
        table[extra] = localities if extra == "Locality" else localities.str.upper().str[:1] + "LT"
    return table.rename(columns=fmt.headers)


def call_table(records: pd.DataFrame, fmt: FileFormat, rng: np.random.Generator) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "call_id": records["call_id"],
            "call_start": _format_times(records["call_start"], fmt.date_format),
            "caller_number": records["caller_number"],
            "ivr_option": records["ivr_option"],
            "handling_team": records["handling_team"],
            "wait_seconds": records["wait_seconds"].astype(str),
            "talk_seconds": records["talk_seconds"].astype(str),
            "call_result": records["call_result"],
            "call_outcome": records["call_outcome"],
            "record_updated_at": _format_times(records["record_updated_at"], fmt.date_format),
        }
    )[list(fmt.columns)]
    for extra in fmt.extra_columns:
        table[extra] = [f"AG{n:03d}" for n in rng.integers(1, 60, len(table))]
    return table.rename(columns=fmt.headers)


def insert_bad_row(
    table: pd.DataFrame, headers: dict[str, str], rule: tuple, new_id: str, rng: np.random.Generator
) -> tuple[pd.DataFrame, int | None]:
    """Copy a random row, spoil one column and give it a new id. Returns the table and the
    spoiled record's row number in the file (header = row 1); None for an empty table."""
    if table.empty:
        return table, None
    _, column, replacement, _ = rule
    position = int(rng.integers(len(table) // 4, max(len(table) * 3 // 4, 1)))
    bad = table.iloc[[position]].copy()
    id_header = headers.get("contact_id", headers.get("call_id"))
    bad[id_header] = new_id
    bad[headers[column]] = "" if replacement is None else replacement
    table = pd.concat([table.iloc[:position], bad, table.iloc[position:]], ignore_index=True)
    return table, position + 2


def csv_bytes(table: pd.DataFrame, fmt: FileFormat) -> bytes:
    text = table.to_csv(index=False, lineterminator=fmt.line_end)
    return text.encode(fmt.encoding)


def xlsx_bytes(table: pd.DataFrame, stamp: datetime) -> bytes:
    """A one-sheet workbook whose bytes depend only on its content and ``stamp``."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Contacts")
    sheet.append(list(table.columns))
    for row in table.itertuples(index=False):
        sheet.append([v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in row])
    workbook.properties.creator = "MASH case system"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _fixed_zip(buffer.getvalue(), stamp)


def _fixed_zip(data: bytes, stamp: datetime) -> bytes:
    """Rewrite a zip with fixed member timestamps and document dates."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rf"\g<1>{iso}\g<2>", text
                )
                content = text.encode("utf-8")
            member = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, content)
    return out.getvalue()


def bad_rules(rules: tuple, month: date) -> list[tuple]:
    return [rule for rule in rules if rule[0] == month]
