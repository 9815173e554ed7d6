"""A re-sent month, through the real dbt models: in snapshot mode the contacts it leaves
out are withdrawn (listed in audit.withdrawn_records, gone from staging and every count); in
increment mode they stay; two versions of one file name resolve to the later load."""

from datetime import date

from .fixture_data import LEFT_OUT, RESENT_INCREMENT, RESENT_MONTH


def _load_ids(scenario, file_name: str) -> list[int]:
    return [
        load_id
        for (load_id,) in scenario.query(
            "select load_id from audit.loaded_files where file_name = ? order by load_id",
            [file_name],
        )
    ]


def test_the_resent_build_passes_its_checks(resent, good):
    assert resent.result.success
    assert resent.failed_checks() == good.failed_checks()


def test_a_snapshot_withdraws_the_contacts_it_leaves_out(resent):
    first, snapshot = _load_ids(resent, RESENT_MONTH)
    assert resent.query(
        "select kind, record_id, month_start, last_load_id, last_file, withdrawn_by_load_id,"
        " withdrawn_by_file from audit.withdrawn_records order by record_id"
    ) == [
        ("contacts", contact_id, date(2019, 3, 1), first, RESENT_MONTH, snapshot, RESENT_MONTH)
        for contact_id in LEFT_OUT
    ]
    assert resent.query(
        "select withdrawn_by_load_id, count(*) from audit.withdrawn_records group by all"
    ) == [(snapshot, 3)]
    staged = {row[0] for row in resent.query("select contact_id from staging.stg_mash__contacts")}
    published = {row[0] for row in resent.query("select contact_id from marts.fct_contacts")}
    assert staged == published
    assert not set(LEFT_OUT) & staged
    assert {"C40", "C41", "C45"} <= staged


def test_counts_leave_the_withdrawn_contacts_out_and_keep_an_increments(resent):
    cells = dict(
        (month, rest)
        for month, *rest in resent.query(
            "select month_start, contacts_and_referrals, referrals, phone_contacts"
            " from marts.fct_school_month where school_urn = 100001"
            " and month_start >= date '2019-03-01' order by month_start"
        )
    )
    # March: C40, C45 and C41 (now a referral); April: all four, the re-send held one
    assert cells == {date(2019, 3, 1): [3, 1, 2], date(2019, 4, 1): [4, 0, 4]}
    assert resent.query(
        "select count(*) from marts.fct_contacts where month_start = date '2019-04-01'"
    ) == [(4,)]


def test_two_versions_of_one_name_resolve_to_the_later_load(resent):
    # neither version of C41 has a record_updated_at; both are row 3 of the same name
    _, snapshot = _load_ids(resent, RESENT_MONTH)
    assert resent.query(
        "select outcome, is_referral, source_file, source_row, load_id"
        " from staging.stg_mash__contacts where contact_id = 'C41'"
    ) == [("Referral to CSC - Single Assessment", True, RESENT_MONTH, 3, snapshot)]
    _, increment = _load_ids(resent, RESENT_INCREMENT)
    assert resent.query(
        "select load_id from staging.stg_mash__contacts where contact_id = 'C50'"
    ) == [(increment,)]
