"""Fixtures for ingestion tests: a private data folder, landing files built in the test, and a
real Dagster materialisation of the ingestion assets into a real DuckDB warehouse."""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import openpyxl
import pytest
import yaml

from dagster_project import settings
from dagster_project.defs.assets import ingestion
from dagster_project.defs.resources import build_resources
from dagster_project.ingest.headers import ALIASES_ENV, DEFAULT_ALIASES

INGESTION_ASSETS = [ingestion.raw_schools_and_links, ingestion.raw_contacts, ingestion.raw_calls]

CONTACT = {
    "contact_id": "C0001",
    "child_id": "CHILD-0001",
    "contact_datetime": "01/09/2017 10:00",
    "contact_method": "Phone",
    "referrer_type": "2A - Schools",
    "referrer_name": "Abbey C of E Infant School",
    "contact_outcome": "NFA",
}

CALL = {
    "call_id": "K0001",
    "call_start": "01/09/2017 09:00",
    "caller_number": "07700 900001",
    "ivr_option": "1",
    "wait_seconds": "30",
    "talk_seconds": "300",
}

SCHOOL = {
    "URN": "125001",
    "EstablishmentName": "Abbey C of E Infant School",
    "LA (code)": "812",
    "LA (name)": "Eastshire",
    "TelephoneNum": "01926 410410",
    "OpenDate": "01-09-1990",
}

LINK = {
    "URN": "125001",
    "LinkURN": "140001",
    "LinkName": "Abbey Academy",
    "LinkType": "Successor",
    "LinkEstablishedDate": "01-04-2015",
}


class Rows:
    """Builders of landing-file rows: a header row, then one row per override of the defaults."""

    contact = CONTACT
    call = CALL
    school = SCHOOL
    link = LINK

    @staticmethod
    def records(defaults: dict, *overrides: dict, header: list[str] | None = None) -> list[list]:
        """``header`` renames the columns (same order as ``defaults``)."""
        rows = [header or list(defaults)]
        for override in overrides:
            record = {**defaults, **override}
            rows.append([record[name] for name in defaults])
        return rows

    def contacts(self, *overrides: dict, header: list[str] | None = None) -> list[list]:
        return self.records(CONTACT, *overrides, header=header)

    def calls(self, *overrides: dict, header: list[str] | None = None) -> list[list]:
        return self.records(CALL, *overrides, header=header)

    def schools(self, *overrides: dict) -> list[list]:
        return self.records(SCHOOL, *overrides)

    def links(self, *overrides: dict) -> list[list]:
        return self.records(LINK, *overrides)


@dataclass
class IngestEnv:
    data_dir: Path
    landing: Path
    key_file: Path
    aliases_file: Path

    def keep_extra_columns(self, kind: str, headers: list[str]) -> None:
        """As a council would: list extra headers whose values are kept in the alias file."""
        aliases = yaml.safe_load(self.aliases_file.read_text())
        aliases[kind]["keep"] = headers
        self.aliases_file.write_text(yaml.safe_dump(aliases))

    def drop(self, relative: str, content: bytes) -> Path:
        """Put a file into the landing folder, as the council's systems would."""
        path = self.landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return path

    def drop_csv(
        self, relative: str, rows: list[list], encoding: str = "utf-8", bom: bool = False
    ) -> Path:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(rows)
        return self.drop(
            relative, (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode(encoding)
        )

    def drop_xlsx(self, relative: str, rows: list[list]) -> Path:
        workbook = openpyxl.Workbook()
        for row in rows:
            workbook.active.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return self.drop(relative, buffer.getvalue())

    def materialize(self, raise_on_error: bool = True) -> tuple[dg.ExecuteInProcessResult, list]:
        """Materialise the ingestion assets; returns the result and every logged message."""
        instance = dg.DagsterInstance.ephemeral()
        result = dg.materialize(
            INGESTION_ASSETS,
            instance=instance,
            resources=build_resources(),
            raise_on_error=raise_on_error,
        )
        messages = [entry.user_message for entry in instance.all_logs(result.run_id)]
        return result, messages

    @staticmethod
    def metadata(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
        """Materialisation metadata values by asset key ("raw/contacts")."""
        return {
            event.asset_key.to_user_string(): {
                key: value.value for key, value in event.materialization.metadata.items()
            }
            for event in result.get_asset_materialization_events()
        }

    @staticmethod
    def check_evaluations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetCheckEvaluation]:
        return {
            evaluation.asset_key.to_user_string(): evaluation
            for evaluation in result.get_asset_check_evaluations()
        }

    def query(self, sql: str, parameters: list | None = None) -> list[tuple]:
        with duckdb.connect(str(settings.warehouse_path()), read_only=True) as conn:
            return conn.execute(sql, parameters or []).fetchall()


def _environment(base: Path, monkeypatch: pytest.MonkeyPatch) -> IngestEnv:
    env = IngestEnv(
        data_dir=base / "data",
        landing=base / "landing",
        key_file=base / "keys" / "pseudonym.key",
        aliases_file=base / "column_aliases.yml",
    )
    env.aliases_file.write_bytes(DEFAULT_ALIASES.read_bytes())
    monkeypatch.setenv(ALIASES_ENV, str(env.aliases_file))
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(env.data_dir))
    monkeypatch.setenv(settings.LANDING_DIR_ENV, str(env.landing))
    monkeypatch.setenv(settings.PSEUDONYM_KEY_FILE_ENV, str(env.key_file))
    monkeypatch.delenv(settings.PSEUDONYM_KEY_ENV, raising=False)
    env.data_dir.mkdir()
    env.landing.mkdir()
    return env


@pytest.fixture
def ingest_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IngestEnv:
    """An empty data folder and landing folder of this test's own."""
    return _environment(tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def module_env(tmp_path_factory: pytest.TempPathFactory):
    """As ingest_env, shared by the tests of one module (one scenario, one materialisation)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield _environment(tmp_path_factory.mktemp("ingest"), monkeypatch)


@pytest.fixture(scope="session")
def rows() -> Rows:
    return Rows()
