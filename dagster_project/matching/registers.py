"""The candidates a referrer name of each agency type may match.

A candidate is an agency: a school (by its current URN, after academy conversions) or a
non-school agency of the council's agency register (by agency_id). It is known by one or more
names: every URN that leads to the school, open or closed, and an agency's pipe-separated
aliases. Names are compared in their ``normalise_name`` form.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dagster_project.matching.cleaning import compact_designations, normalise_name

SCHOOLS_AGENCY_TYPE = "Schools"


@dataclass(frozen=True)
class Agency:
    agency_id: str
    school_urn: int | None
    name: str
    #: where a school is: its town (GIAS ``Town``) and what follows a comma in its names
    #: ("Southam" in "St Mary's Catholic Primary School, Southam"), normalised
    localities: tuple[str, ...] = ()
    #: the words of its names before any comma, normalised
    name_words: frozenset[str] = frozenset()


@dataclass
class CandidateRegister:
    """The names of one agency type's agencies, ready for exact lookup and fuzzy scoring."""

    agencies: list[Agency] = field(default_factory=list)
    #: normalised name -> (indices into ``agencies``, the name as the register spells it)
    exact: dict[str, tuple[frozenset[int], str]] = field(default_factory=dict)
    #: the same for names derived from the register's (a school's name before a comma)
    derived_exact: dict[str, tuple[frozenset[int], str]] = field(default_factory=dict)
    #: the distinct normalised names, grouped by agency (``name_agency`` is non-decreasing)
    names: list[str] = field(default_factory=list)
    #: ``names`` as fuzzy-scored (``compact_designations``)
    scored_names: list[str] = field(default_factory=list)
    name_agency: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    spellings: list[str] = field(default_factory=list)
    #: every word of every normalised name
    words: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.names)

    def exactly(self, text: str) -> tuple[frozenset[int], str] | None:
        """The agencies with this normalised name, and its spelling: its own names first."""
        return self.exact.get(text) or self.derived_exact.get(text)


def school_agency_id(urn: int) -> str:
    return f"SCH{urn}"


def current_urns(successors: pd.DataFrame) -> dict[int, int]:
    """urn -> the URN it is known by now (itself when it never converted)."""
    return {int(row.urn): int(row.current_urn) for row in successors.itertuples(index=False)}


def build_registers(
    schools: pd.DataFrame, successors: pd.DataFrame, agencies: pd.DataFrame
) -> dict[str, CandidateRegister]:
    """One register per agency type: schools for 'Schools', the agency register for the rest."""
    registers = {SCHOOLS_AGENCY_TYPE: _school_register(schools, current_urns(successors))}
    for agency_type, rows in agencies.groupby("agency_type", sort=True):
        registers[str(agency_type)] = _agency_register(rows)
    return registers


def _school_register(schools: pd.DataFrame, successor_of: dict[int, int]) -> CandidateRegister:
    name_of_urn = {int(row.urn): str(row.school_name) for row in schools.itertuples(index=False)}
    towns = schools["town"] if "town" in schools else pd.Series(None, index=schools.index)
    localities: dict[int, set[str]] = {}
    name_words: dict[int, set[str]] = {}
    for urn, town in zip(schools["urn"], towns, strict=True):
        current = successor_of.get(int(urn), int(urn))
        base, *qualifiers = name_of_urn[int(urn)].split(",")
        places = localities.setdefault(current, set())
        places.update(normalise_name(text) for text in (*qualifiers, town) if pd.notna(text))
        places.discard("")
        name_words.setdefault(current, set()).update(normalise_name(base).split())
    entries = []
    for urn, name in name_of_urn.items():
        current = successor_of.get(urn, urn)
        agency = Agency(
            school_agency_id(current),
            current,
            name_of_urn.get(current, name),
            tuple(sorted(localities[current])),
            frozenset(name_words[current]),
        )
        # What follows a comma ("..., A Voluntary Academy", "..., Atherstone") is often left
        # out when the name is written, so the part before it names the school too, unless
        # it is another school's full name.
        entries.append((agency, [name], [name.split(",")[0]]))
    return _register(entries)


def _agency_register(agencies: pd.DataFrame) -> CandidateRegister:
    entries = []
    for row in agencies.itertuples(index=False):
        aliases = str(row.aliases).split("|") if pd.notna(row.aliases) else []
        names = [str(row.agency_name), *(alias.strip() for alias in aliases)]
        entries.append((Agency(str(row.agency_id), None, str(row.agency_name)), names, []))
    return _register(entries)


def _register(entries: list[tuple[Agency, list[str], list[str]]]) -> CandidateRegister:
    """Agencies with their names and aliases, and names derived from those (looked up
    exactly only when no agency has the name itself)."""
    register = CandidateRegister()
    index_of: dict[str, int] = {}
    spelling_of: dict[tuple[int, str], str] = {}
    derived: set[tuple[int, str]] = set()
    for agency, names, derived_names in entries:
        if agency.agency_id not in index_of:
            index_of[agency.agency_id] = len(register.agencies)
            register.agencies.append(agency)
        index = index_of[agency.agency_id]
        for name in [*names, *derived_names]:
            normalised = normalise_name(name)
            if normalised and (index, normalised) not in spelling_of:
                spelling_of[(index, normalised)] = name
                if name not in names:
                    derived.add((index, normalised))
    for (index, normalised), spelling in sorted(spelling_of.items()):
        register.names.append(normalised)
        register.spellings.append(spelling)
        lookup = register.derived_exact if (index, normalised) in derived else register.exact
        indices, first_spelling = lookup.get(normalised, (frozenset(), spelling))
        lookup[normalised] = (indices | {index}, first_spelling)
    register.name_agency = np.array([index for index, _ in sorted(spelling_of)], dtype=np.int64)
    register.scored_names = [compact_designations(name) for name in register.names]
    register.words = frozenset(word for name in register.names for word in name.split())
    return register
