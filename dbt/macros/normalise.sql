{#- Lookup key for free-typed labels: lower case, everything but letters and digits removed
    ("E-mail" -> "email", "Health - GP" -> "healthgp"); the seeds' key columns use the same form. -#}
{% macro lookup_key(expression) -%}
    nullif(regexp_replace(lower(trim({{ expression }})), '[^a-z0-9]', '', 'g'), '')
{%- endmacro %}

{#- Telephone number normalised (docs/raw-layer.md): digits only, a leading 44 or 0044, with or
    without a following (0), made 0: "+44 (0)1926 410410" -> "01926410410". The one statement
    of the rule: ingestion renders this macro too (dagster_project/ingest/pseudonyms.py), so
    it must stay plain SQL over its argument. -#}
{% macro normalise_phone(expression) -%}
    nullif(regexp_replace(regexp_replace({{ expression }}, '[^0-9]', '', 'g'), '^(00)?440?', '0'), '')
{%- endmacro %}

{#- Free text cleaned for storage: trimmed, blank made null. -#}
{% macro clean_text(expression) -%}
    nullif(trim({{ expression }}), '')
{%- endmacro %}

{#- Y/N style flag read as a boolean; anything unrecognised (or blank) is null. -#}
{% macro parse_flag(expression) -%}
    case
        when lower(trim({{ expression }})) in ('y', 'yes', 'true', 't', '1') then true
        when lower(trim({{ expression }})) in ('n', 'no', 'false', 'f', '0') then false
    end
{%- endmacro %}

{#- Free text with anything that can identify someone replaced by a placeholder: e-mail
    addresses, telephone numbers (nine or more digits, spaces, dots, dashes or brackets
    between them), UK postcodes and id-shaped tokens (three or more digits in one word).
    DuckDB's regular expressions (RE2) run in time linear in the text. -#}
{% macro scrub_identifiers(expression) -%}
    regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    {{ expression }},
                    '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+', '[email]', 'g'),
                '\+?\(?\d([\s().-]{0,2}\d){8,}', '[phone]', 'g'),
            '\b[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}\b', '[postcode]', 'g'),
        '\b[A-Za-z]*\d{3,}[A-Za-z0-9]*\b', '[id]', 'g')
{%- endmacro %}

{#- Free text as the marts may carry it: cleaned (clean_text), then scrubbed (scrub_identifiers). -#}
{% macro clean_free_text(expression) -%}
    {{ scrub_identifiers(clean_text(expression)) }}
{%- endmacro %}
