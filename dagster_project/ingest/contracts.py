"""The column contract of each landing kind: the headers it reads and what they become.

The extract contract names the headers (config/column_aliases.yml adds other names for
them); docs/raw-layer.md names the raw columns. The SQL that converts and validates each
type is in ``validation``.
"""

from dataclasses import dataclass
from enum import Enum


class ColumnType(Enum):
    TEXT = "text"
    DATETIME = "datetime"
    GIAS_DATE = "gias_date"
    WHOLE_NUMBER = "whole_number"
    SECONDS = "seconds"
    LENIENT_INTEGER = "lenient_integer"
    LENIENT_DECIMAL = "lenient_decimal"
    PERSON_ID = "person_id"
    PHONE = "phone"


#: The phone column becomes a pseudonym for every caller and the number for organisations.
PHONE_OUTPUTS = ("caller_key", "caller_number")


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    type: ColumnType = ColumnType.TEXT
    required: bool = False


@dataclass(frozen=True)
class Contract:
    kind: str
    columns: tuple[Column, ...]

    @property
    def table(self) -> str:
        return f"raw.{self.kind}"


CONTACTS = Contract(
    kind="contacts",
    columns=(
        Column("contact_id", "contact_id", required=True),
        Column("child_key", "child_id", ColumnType.PERSON_ID, required=True),
        Column("contact_at", "contact_datetime", ColumnType.DATETIME, required=True),
        Column("contact_method", "contact_method", required=True),
        Column("referrer_type", "referrer_type", required=True),
        Column("referrer_name", "referrer_name"),
        Column("referrer_address", "referrer_address"),
        Column("child_ethnicity", "child_ethnicity"),
        Column("child_language", "child_language"),
        Column("child_disability", "child_disability"),
        Column("child_district", "child_district"),
        Column("responsible_team", "responsible_team"),
        Column("contact_outcome", "contact_outcome", required=True),
        Column("is_referral", "is_referral"),
        Column("record_updated_at", "record_updated_at", ColumnType.DATETIME),
        Column("call_reference", "call_reference"),
    ),
)

CALLS = Contract(
    kind="calls",
    columns=(
        Column("call_id", "call_id", required=True),
        Column("call_start", "call_start", ColumnType.DATETIME, required=True),
        Column("caller_number", "caller_number", ColumnType.PHONE),
        Column("ivr_option", "ivr_option"),
        Column("handling_team", "handling_team"),
        Column("wait_seconds", "wait_seconds", ColumnType.SECONDS),
        Column("talk_seconds", "talk_seconds", ColumnType.SECONDS),
        Column("call_result", "call_result"),
        Column("call_outcome", "call_outcome"),
        Column("record_updated_at", "record_updated_at", ColumnType.DATETIME),
    ),
)

SCHOOLS = Contract(
    kind="schools",
    columns=(
        Column("urn", "URN", ColumnType.WHOLE_NUMBER, required=True),
        Column("establishment_name", "EstablishmentName", required=True),
        Column("la_code", "LA (code)", required=True),
        Column("la_name", "LA (name)"),
        Column("establishment_type", "TypeOfEstablishment (name)"),
        Column("phase", "PhaseOfEducation (name)"),
        Column("status", "EstablishmentStatus (name)"),
        Column("number_of_pupils", "NumberOfPupils", ColumnType.LENIENT_INTEGER),
        Column("percentage_fsm", "PercentageFSM", ColumnType.LENIENT_DECIMAL),
        Column("district", "DistrictAdministrative (name)"),
        Column("telephone_num", "TelephoneNum"),
        Column("postcode", "Postcode"),
        Column("open_date", "OpenDate", ColumnType.GIAS_DATE),
        Column("close_date", "CloseDate", ColumnType.GIAS_DATE),
    ),
)

SCHOOL_LINKS = Contract(
    kind="school_links",
    columns=(
        Column("urn", "URN", ColumnType.WHOLE_NUMBER, required=True),
        Column("link_urn", "LinkURN", ColumnType.WHOLE_NUMBER, required=True),
        Column("link_name", "LinkName"),
        Column("link_type", "LinkType"),
        Column("link_established_date", "LinkEstablishedDate", ColumnType.GIAS_DATE),
    ),
)

CONTRACTS = {contract.kind: contract for contract in (CONTACTS, CALLS, SCHOOLS, SCHOOL_LINKS)}
