"""Referrer free text stays in raw (and the review queue): every model past raw carries the
keyed hash of the name instead."""

import re

#: The models dbt builds and the tables matching writes.
SCANNED_SCHEMAS = ("staging", "intermediate", "matching", "marts")
#: People the fixture's referrer names mention.
PEOPLE = ("smith",)


def _text_columns(scenario) -> list[tuple[str, str, str]]:
    listed = ", ".join(f"'{schema}'" for schema in SCANNED_SCHEMAS)
    return scenario.query(
        "select table_schema, table_name, column_name from information_schema.columns "
        f"where table_schema in ({listed}) and data_type = 'VARCHAR'"
    )


def test_no_model_holds_referrer_free_text(good):
    typed = [name for (name,) in good.query("select distinct referrer_name from raw.contacts")]
    # a name typed exactly as the register spells it may appear, as the register's
    register = good.query(
        "select lower(agency_name) from council.agencies "
        "union select lower(establishment_name) from raw.schools"
    )
    names = {re.sub(r"\s+", " ", name).strip().lower() for name in typed if name}
    names -= {name for (name,) in register}
    assert "mrs a smith (dsl) - abbey primary" in names
    columns = _text_columns(good)
    assert ("intermediate", "int_contacts__matched", "referrer_key") in columns
    for schema, table, column in columns:
        values = {
            re.sub(r"\s+", " ", value).strip().lower()
            for (value,) in good.query(f'select distinct "{column}" from {schema}.{table}')
            if value
        }
        assert not values & names, f"{schema}.{table}.{column} holds referrer names"
        leaks = [value for value in values for person in PEOPLE if person in value]
        assert not leaks, f"{schema}.{table}.{column} names a person: {leaks}"


def test_contacts_reach_their_matches_by_the_keyed_hash(good):
    [(keyed,)] = good.query("select count(referrer_key) from intermediate.int_contacts__matched")
    [(named,)] = good.query(
        "select count(*) from staging.stg_mash__contacts as staged "
        "inner join raw.contacts using (source_file, source_sha256, source_row) "
        "where trim(raw.contacts.referrer_name) <> ''"
    )
    assert keyed == named == 11  # C10 gave no referrer name
    [(length,)] = good.query("select distinct length(referrer_key) from matching.contact_referrers")
    assert length == 64  # hex HMAC-SHA256
