"""The council profile: the one file that says which council runs the platform.

Its local authority and the neighbours whose schools its children attend, its districts
with their populations aged 0-17 (none for a unitary authority), its register of
non-school agencies, the abbreviations its staff type for local names, and local words for
referrer types. Everything county-specific that the platform uses (the schools kept, the
districts and their rates, the agencies matched, the trial's eligible authority) follows
from it; ``settings.council_profile_path()`` says which file (docs/adopting.md).
"""

import csv
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from dagster_project import settings

#: The agency register's columns; the first three must be present in its header.
AGENCY_COLUMNS = (
    "agency_id",
    "agency_name",
    "agency_type",
    "cin_code",
    "aliases",
    "telephone",
    "district",
)
REQUIRED_AGENCY_COLUMNS = AGENCY_COLUMNS[:3]
_LA_CODE = re.compile(r"^\d{3}$")
_ONS_CODE = re.compile(r"^[EWSN]\d{8}$")
_WORD = re.compile(r"^[a-z0-9]+$")
_WORDS = re.compile(r"^[a-z0-9]+(?: [a-z0-9]+)*$")


class ProfileError(ValueError):
    """The council profile or its agency register is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class LocalAuthority:
    la_code: str
    la_name: str


@dataclass(frozen=True)
class District:
    """An area the contact records name as the child's district, with its population aged
    0-17 (the rates' denominator) and, for comparison, the ONS estimate."""

    name: str
    ons_code: str
    population_0_17: int
    ons_population_0_17: int | None
    population_source: str | None


@dataclass(frozen=True)
class CouncilProfile:
    path: Path
    home: LocalAuthority
    neighbours: tuple[LocalAuthority, ...]
    #: The districts as listed; a unitary authority is its own one district.
    districts: tuple[District, ...]
    is_unitary: bool
    agency_register: Path
    #: Local short forms of words in organisations' names: ("cty", "county").
    abbreviations: tuple[tuple[str, str], ...]
    #: Referrer types the case system records in local words, and their CIN code.
    referrer_types: tuple[tuple[str, str], ...]

    @property
    def local_authorities(self) -> tuple[LocalAuthority, ...]:
        return (self.home, *self.neighbours)

    @property
    def district_names(self) -> tuple[str, ...]:
        return tuple(district.name for district in self.districts)

    def fingerprint(self) -> str:
        """sha256 of the profile file and its agency register, as bytes."""
        digest = hashlib.sha256()
        for path in (self.path, self.agency_register):
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        return digest.hexdigest()


def load_profile(path: Path | None = None) -> CouncilProfile:
    """Read and check the profile (default: ``settings.council_profile_path()``)."""
    path = Path(path).resolve() if path else settings.council_profile_path()
    stat = _stat(path)
    return _load(path, stat.st_mtime_ns, stat.st_size)


def _stat(path: Path):
    try:
        return path.stat()
    except FileNotFoundError as error:
        raise ProfileError(
            f"Council profile {path} not found; set {settings.COUNCIL_PROFILE_ENV} to the "
            "council's profile (docs/adopting.md)."
        ) from error


@cache
def _load(path: Path, _mtime_ns: int, _size: int) -> CouncilProfile:
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise ProfileError(f"Council profile {path} is not valid YAML: {error}") from error
    if not isinstance(content, dict):
        raise ProfileError(f"Council profile {path} must be a mapping of settings.")
    return _ProfileReader(path, content).read()


class _ProfileReader:
    def __init__(self, path: Path, content: dict):
        self.path = path
        self.content = content

    def fail(self, key: str, problem: str):
        raise ProfileError(f"Council profile {self.path}, `{key.lstrip('.')}`: {problem}")

    def mapping(self, node, key: str) -> dict:
        if not isinstance(node, dict):
            self.fail(key, "must be a mapping")
        return node

    def text(self, node: dict, key: str, name: str, required: bool = True) -> str | None:
        value = node.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(f"{key}.{name}", "missing")
            return None
        if isinstance(value, bool | dict | list):
            self.fail(f"{key}.{name}", f"must be text, not {value!r}")
        return str(value).strip()

    def matching(self, node: dict, key: str, name: str, pattern: re.Pattern, what: str) -> str:
        value = self.text(node, key, name)
        if not pattern.match(value):
            self.fail(f"{key}.{name}", f"must be {what}, not {value!r}")
        return value

    def count(self, node: dict, key: str, name: str, required: bool = True) -> int | None:
        value = node.get(name)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.fail(f"{key}.{name}", f"must be a whole number above 0, not {value!r}")
        return value

    def authority(self, node, key: str) -> LocalAuthority:
        node = self.mapping(node, key)
        return LocalAuthority(
            la_code=self.matching(node, key, "la_code", _LA_CODE, 'a three-digit DfE code ("937")'),
            la_name=self.text(node, key, "la_name"),
        )

    def district(self, node, key: str, name_field: str = "name") -> District:
        node = self.mapping(node, key)
        return District(
            name=self.text(node, key, name_field),
            ons_code=self.matching(node, key, "ons_code", _ONS_CODE, 'an ONS code ("E07000218")'),
            population_0_17=self.count(node, key, "population_0_17"),
            ons_population_0_17=self.count(node, key, "ons_population_0_17", required=False),
            population_source=self.text(node, key, "population_source", required=False),
        )

    def listed(self, name: str) -> list:
        value = self.content.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(name, "must be a list (it may be empty)")
        return value

    def pairs(self, name: str, key_pattern: re.Pattern | None, value_pattern: re.Pattern | None):
        node = self.mapping(self.content.get(name) or {}, name)
        pairs = []
        for raw_key, raw_value in node.items():
            entry = f"{name}.{raw_key}"
            if raw_value is None or isinstance(raw_value, bool | dict | list):
                self.fail(entry, f"must be text, not {raw_value!r}")
            key, value = str(raw_key).strip(), str(raw_value).strip()
            if key_pattern is not None:
                key, value = key.lower(), " ".join(value.lower().split())
                if not key_pattern.match(key):
                    self.fail(entry, "the short form must be one word of letters and digits")
            if value_pattern is not None and not value_pattern.match(value):
                self.fail(entry, "must be words of letters and digits")
            if not key or not value:
                self.fail(entry, "must not be blank")
            pairs.append((key, value))
        return tuple(sorted(pairs))

    def read(self) -> CouncilProfile:
        council = self.mapping(self.content.get("council"), "council")
        home = self.authority(council, "council")
        neighbours = tuple(
            self.authority(node, f"neighbours[{index}]")
            for index, node in enumerate(self.listed("neighbours"))
        )
        codes = [authority.la_code for authority in (home, *neighbours)]
        repeated = sorted({code for code in codes if codes.count(code) > 1})
        if repeated:
            self.fail("neighbours", f"an LA code is listed twice: {', '.join(repeated)}")

        districts = tuple(
            self.district(node, f"districts[{index}]")
            for index, node in enumerate(self.listed("districts"))
        )
        names = [district.name.lower() for district in districts]
        if len(set(names)) != len(names):
            self.fail("districts", "a district is listed twice")
        is_unitary = not districts
        if is_unitary:
            # A unitary authority is its own one district: its contacts name it as the
            # child's district, and its population is the rates' denominator.
            districts = (self.district({**council, "name": home.la_name}, "council"),)

        register = self.text(self.content, "", "agency_register")
        register_path = (self.path.parent / register).resolve()
        if not register_path.is_file():
            self.fail("agency_register", f"{register_path} not found")
        read_agency_register(register_path)
        return CouncilProfile(
            path=self.path,
            home=home,
            neighbours=neighbours,
            districts=districts,
            is_unitary=is_unitary,
            agency_register=register_path,
            abbreviations=self.pairs("abbreviations", _WORD, _WORDS),
            referrer_types=self.pairs("referrer_types", None, None),
        )


def read_agency_register(path: Path) -> list[dict[str, str | None]]:
    """The register's rows, every column of ``AGENCY_COLUMNS`` (blank as None).

    A header without a required column, or a row without an agency_id, agency_name or
    agency_type, stops with the file, row and column named (row 1 is the header)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip() for name in reader.fieldnames or []]
            missing = [name for name in REQUIRED_AGENCY_COLUMNS if name not in header]
            if missing:
                raise ProfileError(
                    f"Agency register {path}, row 1: missing column {', '.join(missing)} "
                    f"(the columns are {', '.join(AGENCY_COLUMNS)})"
                )
            reader.fieldnames = header
            rows = []
            for row_number, row in enumerate(reader, start=2):
                values = {name: (row.get(name) or "").strip() or None for name in AGENCY_COLUMNS}
                for name in REQUIRED_AGENCY_COLUMNS:
                    if values[name] is None:
                        raise ProfileError(
                            f"Agency register {path}, row {row_number}, column {name}: blank"
                        )
                rows.append(values)
    except UnicodeDecodeError as error:
        raise ProfileError(f"Agency register {path} is not UTF-8 text: {error.reason}") from error
    return rows
