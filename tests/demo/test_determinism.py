"""Same seed, same bytes; months written by separate calls fit together."""

import filecmp
from datetime import date
from pathlib import Path

from mash_demo.generate import write_demo_extracts

SMALL = {"scale": 0.05, "end": date(2018, 6, 30)}  # includes the .xlsx and cp1252 months


def all_files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_identical_bytes(tmp_path):
    write_demo_extracts(tmp_path / "a" / "landing", tmp_path / "a" / "truth", seed=11, **SMALL)
    write_demo_extracts(tmp_path / "b" / "landing", tmp_path / "b" / "truth", seed=11, **SMALL)
    first, second = all_files(tmp_path / "a"), all_files(tmp_path / "b")
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_different_seed_gives_different_data(tmp_path):
    write_demo_extracts(tmp_path / "a" / "landing", tmp_path / "a" / "truth", seed=11, **SMALL)
    write_demo_extracts(tmp_path / "b" / "landing", tmp_path / "b" / "truth", seed=12, **SMALL)
    first, second = all_files(tmp_path / "a" / "landing"), all_files(tmp_path / "b" / "landing")
    assert first.keys() == second.keys()
    assert all(first[name] != second[name] for name in first)


def test_months_written_in_two_calls_match_one_call(tmp_path):
    whole, split = tmp_path / "whole", tmp_path / "split"
    write_demo_extracts(
        whole / "landing", whole / "truth", seed=3, scale=0.05, end=date(2018, 12, 31)
    )
    write_demo_extracts(
        split / "landing", split / "truth", seed=3, scale=0.05, end=date(2018, 8, 31)
    )
    write_demo_extracts(
        split / "landing",
        split / "truth",
        seed=3,
        scale=0.05,
        start=date(2018, 9, 1),
        end=date(2018, 12, 31),
    )
    for sub in ("landing/contacts", "landing/calls", "landing/schools", "truth"):
        comparison = filecmp.dircmp(whole / sub, split / sub)
        assert comparison.left_only == comparison.right_only == []
        _, mismatch, errors = filecmp.cmpfiles(
            whole / sub, split / sub, comparison.common_files, shallow=False
        )
        assert mismatch == errors == [], sub


def test_register_files_are_not_rewritten(tmp_path):
    landing = tmp_path / "landing"
    first = write_demo_extracts(landing, tmp_path / "truth", scale=0.05, end=date(2017, 9, 30))
    assert len(first["register_files_written"]) == 2
    stamps = {p: p.stat().st_mtime_ns for p in (landing / "schools").iterdir()}
    second = write_demo_extracts(
        landing, tmp_path / "truth", scale=0.05, start=date(2017, 10, 1), end=date(2017, 10, 31)
    )
    assert second["register_files_written"] == []
    assert {p: p.stat().st_mtime_ns for p in (landing / "schools").iterdir()} == stamps
