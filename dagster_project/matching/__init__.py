"""Matching free-text referrer names to the register of schools and agencies."""

from dagster_project.matching.config import MatchConfig
from dagster_project.matching.resolution import resolve_names

__all__ = ["MatchConfig", "resolve_names"]
