import base64
import re
from html import unescape

import dagster as dg
import duckdb
import pytest
from scipy import stats

from dagster_project.defs.assets.reports import demand_report
from dagster_project.defs.resources import build_resources
from dagster_project.reports.charts import stacked_segments

from .conftest import AGENCY_TYPES_2017, DISTRICTS_2017

REPORT_ASSET = demand_report


def assert_self_contained(html: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html, re.IGNORECASE)
    assert "<script" not in html.lower() and "<link" not in html.lower()
    images = re.findall(r'<img [^>]*src="([^"]*)"', html)
    assert images, "the report has charts"
    for source in images:
        assert source.startswith("data:image/png;base64,")
        assert base64.b64decode(source.split(",", 1)[1]).startswith(b"\x89PNG")


def year_section(html: str, year: str) -> str:
    start = html.index(f"<h2>Academic year {year}</h2>")
    end = html.find("<h2>", start + 1)
    return html[start : end if end > 0 else None]


def subsection(section: str, title: str) -> str:
    start = section.index(f"<h3>{title}</h3>")
    end = section.find("<h3>", start + 1)
    return section[start : end if end > 0 else None]


def without_images(html: str) -> str:
    return re.sub(r'src="data:[^"]*"', 'src=""', html)


def test_the_report_covers_every_year_newest_first_with_the_fixture_figures(report_run, page_row):
    html, metadata, warehouse = report_run.html, report_run.metadata, report_run.warehouse
    path = report_run.path
    assert path.name == "demand_report.html" and path.parent.name == "reports"
    assert path.parent.parent == warehouse.path.parent, "under the data folder's reports/"
    assert metadata["size_bytes"].value == path.stat().st_size
    assert_self_contained(html)
    years = re.findall(r"<h2>Academic year (\d{4}/\d{2})</h2>", html)
    assert years == sorted(warehouse.contacts["academic_year"].unique(), reverse=True)

    section = year_section(html, "2017/18")
    contacts = warehouse.contacts[warehouse.contacts["academic_year"] == "2017/18"]
    overview = page_row(section, "Total")
    assert overview[:3] == [
        f"{len(contacts):,}",
        f"{(~contacts['is_referral']).sum():,}",
        f"{contacts['is_referral'].sum():,}",
    ]
    assert f"{len(contacts):,} contacts and referrals" in metadata["summary"].value

    agency = warehouse.marts["rpt_agency_type_summary"].set_index("agency_type")
    schools = agency.loc["Schools"]
    assert page_row(section, "Schools")[:4] == [
        f"{schools['total']:,}",
        f"{schools['contacts']:,}",
        f"{schools['referrals']:,}",
        f"{schools['referrals'] / schools['total']:.1%}",
    ]
    channels = warehouse.marts["rpt_channel_summary"].set_index("channel")["contacts_and_referrals"]
    assert page_row(section, "Telephone") == [
        f"{channels['phone']:,}",
        f"{channels['phone'] / channels.sum():.1%}",
    ]


def test_per_school_figures_match_the_contacts(report_run, page_row):
    warehouse = report_run.warehouse
    section = year_section(report_run.html, "2017/18")
    year = warehouse.contacts[warehouse.contacts["academic_year"] == "2017/18"]
    per_school = year.dropna(subset=["school_urn"]).groupby("school_urn").size()
    assert page_row(section, "Schools with at least one contact or referral") == [
        str(len(per_school))
    ]
    assert page_row(section, "Mean per school") == [f"{per_school.mean():.1f}"]
    assert page_row(section, "Standard deviation") == [f"{per_school.std(ddof=1):.1f}"]
    joined = warehouse.schools.set_index("school_urn").join(per_school.rename("n"), how="inner")
    known = joined.dropna(subset=["pct_fsm"])
    r = stats.pearsonr(known["pct_fsm"], known["n"]).statistic
    assert page_row(section, "% free school meals")[:2] == [str(len(known)), f"{r:.2f}"]


def test_small_counts_and_their_percentages_are_hidden(report_run, page_row):
    warehouse = report_run.warehouse
    section = year_section(report_run.html, "2017/18")
    agency = warehouse.marts["rpt_agency_type_summary"].set_index("agency_type")
    housing = agency.loc["Housing or housing association"]
    assert housing["referrals"] < 5, "the fixture plants a small count"
    row = page_row(section, "Housing or housing association")
    assert row[0] == f"{housing['total']:,}"
    assert row[1:5] == ["[c]"] * 4, "the small count, its partner in the total, and both %"
    assert f"{housing['referrals'] / housing['total']:.1%}" not in section
    assert page_row(section, "Education services")[1:5] == ["[c]"] * 4

    phone = warehouse.marts["rpt_phone_sources"].set_index("agency_type")["phone_contacts"]
    assert phone["Legal services"] < 5
    sources = subsection(section, "Telephone contacts by source")
    assert page_row(sources, "Legal services") == ["[c]", "[c]"]
    assert f"{phone['Legal services'] / phone.sum():.1%}" not in sources


def test_a_published_denominator_far_from_ons_carries_a_caveat(report_run):
    section = year_section(report_run.html, "2017/18")
    caveats = re.findall(r"Denominator caveat: ([^&']+)", section)
    assert caveats == [next(iter(DISTRICTS_2017))]


def test_no_child_key_or_call_id_reaches_the_report(report_run):
    text = without_images(report_run.html) + report_run.metadata["summary"].value
    assert not re.search(r"[0-9a-f]{32}", text)
    assert not any(call_id in text for call_id in report_run.warehouse.contacts["call_id"])


def test_a_configured_academic_year_is_the_only_section(warehouse, materialise_report):
    # DuckDB refuses, in one process, a read-write connection beside this read-only one.
    with duckdb.connect(str(warehouse.path), read_only=True):
        html, metadata = materialise_report(
            demand_report,
            {"ops": {demand_report.op.name: {"config": {"academic_year": "2018/19"}}}},
        )
    assert re.findall(r"<h2>Academic year (\d{4}/\d{2})</h2>", html) == ["2018/19"]
    assert [record.data["academic_year"] for record in metadata["headline"].value.records] == [
        "2018/19"
    ]


def test_an_academic_year_not_in_the_data_fails_clearly(warehouse):
    config = {"ops": {demand_report.op.name: {"config": {"academic_year": "2015/16"}}}}
    with pytest.raises(Exception) as raised:
        dg.materialize([demand_report], resources=build_resources(), run_config=config)
    assert "2015/16 is not in the data" in str(raised.value) + str(raised.value.__cause__)


def test_the_school_figures_reconcile_with_the_agency_type_table(report_run):
    warehouse = report_run.warehouse
    section = unescape(year_section(report_run.html, "2017/18"))
    year = warehouse.contacts[warehouse.contacts["academic_year"] == "2017/18"]
    matched = year["school_urn"].notna().sum()
    school_type = AGENCY_TYPES_2017["Schools"]
    shown = sum(school_type)
    line = re.search(r"Reconciliation: [^<]*", section)
    assert line, "the schools section has a reconciliation line"
    assert line[0] == (
        f"Reconciliation: {shown:,} contacts and referrals from school-type referrers (all of "
        f"them, as in the agency-type table); {matched:,} matched to a school on the register "
        f"(the monthly and per-school figures); difference {shown - matched:+,}."
    )
    assert "From schools matched to the register" in section
    assert "(matched to a school on the register)" in section


def test_district_rates_are_per_10000_children(report_run, page_row):
    section = year_section(report_run.html, "2017/18")
    district = list(DISTRICTS_2017)[3]
    n, population, ons = DISTRICTS_2017[district]
    row = page_row(section, district)
    assert row[3] == f"{10_000 * n / population:.1f}"
    assert row[5] == f"{10_000 * n / ons:.1f}"
    assert "Per 10,000 aged 0-17 (published population)" in unescape(section)


def test_a_tiny_agency_type_is_folded_so_a_larger_one_stays_published(
    warehouse, materialise_report, page_row
):
    with duckdb.connect(str(warehouse.path)) as connection:
        connection.execute(
            "insert into marts.rpt_agency_type_summary values "
            "('2017/18', 'Unknown', 3, 2, 1, 33.3, 66.7)"
        )
    html, _ = materialise_report(demand_report)
    section = year_section(html, "2017/18")
    contacts, referrals = AGENCY_TYPES_2017["Other (VCS)"]
    assert page_row(section, "Other (VCS) and Unknown")[:3] == [
        f"{contacts + referrals + 3:,}",
        f"{contacts + 2:,}",
        f"{referrals + 1:,}",
    ]
    assert "Unknown (fewer than 5) is counted with Other (VCS)." in section
    education = sum(AGENCY_TYPES_2017["Education services"])
    assert page_row(section, "Education services")[0] == f"{education:,}"


def test_a_row_whose_split_is_hidden_draws_its_public_total():
    nan = float("nan")
    contacts, referrals, whole = stacked_segments([383, nan, nan], [124, nan, nan], [507, 57, nan])
    assert contacts.tolist() == [383, 0, 0]
    assert referrals.tolist() == [124, 0, 0]
    assert whole.tolist() == [0, 57, 0], "the public total drawn; nothing where all is hidden"
