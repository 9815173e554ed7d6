"""`mash demo-data` writes a landing folder and its ground truth; the demo's commands reach
`mash` through entry points."""

from click.testing import CliRunner

from dagster_project import cli, settings
from dagster_project.cli import main


def test_demo_data_command_writes_extracts_and_truth(tmp_path):
    landing = tmp_path / "landing"
    result = CliRunner().invoke(
        main,
        [
            "demo-data",
            "--out",
            str(landing),
            "--seed",
            "5",
            "--scale",
            "0.02",
            "--end",
            "2017-10-31",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (landing / "contacts").iterdir()) == [
        "contacts_2017-09.csv",
        "contacts_2017-10.csv",
    ]
    assert len(list((landing / "schools").iterdir())) == 2
    assert (tmp_path / "demo_truth" / "contacts_truth.csv").exists()
    assert "2 months" in result.output


def test_demo_data_command_refuses_a_start_before_the_data(tmp_path):
    result = CliRunner().invoke(
        main, ["demo-data", "--out", str(tmp_path / "landing"), "--start", "2016-01-01"]
    )
    assert result.exit_code != 0
    assert "begin on 2017-09-01" in result.output


def test_the_demo_commands_come_from_entry_points():
    assert {"demo-data", "simulate"} <= set(main.commands)
    assert cli.EMPTY_LANDING is not None
    assert {"effect", "displacement", "seed"} <= {
        param.name for param in main.commands["run"].params
    }


def test_run_on_an_empty_landing_without_the_demo_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv(settings.DATA_DIR_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(settings.LANDING_DIR_ENV, raising=False)
    monkeypatch.setattr(cli, "EMPTY_LANDING", None)
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code == 1
    assert f"The landing folder {tmp_path / 'data' / 'landing'} is empty" in result.output
    assert "install the demo package" in result.output
