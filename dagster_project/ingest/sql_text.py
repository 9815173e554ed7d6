"""Quoting names and text into the SQL that ingestion builds."""


def quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
