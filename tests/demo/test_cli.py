"""`mash demo-data` writes a landing folder and its ground truth."""

from click.testing import CliRunner

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
