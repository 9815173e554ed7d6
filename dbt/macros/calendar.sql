{#- English academic year (1 September - 31 August) of a date, written '2017/18'. -#}
{% macro academic_year(date_expression) -%}
    (
        cast(year({{ date_expression }}) - case when month({{ date_expression }}) < 9 then 1 else 0 end as varchar)
        || '/'
        || lpad(cast((year({{ date_expression }}) + case when month({{ date_expression }}) < 9 then 0 else 1 end) % 100 as varchar), 2, '0')
    )
{%- endmacro %}

{#- First day of the month of a timestamp or date. -#}
{% macro month_start(expression) -%}
    cast(date_trunc('month', {{ expression }}) as date)
{%- endmacro %}

{#- Window rank that picks a record's latest version: newest record_updated_at first (a
    version without one ranks after those with one), then the later load (load_id: two
    versions of one file name differ only in it), then the later row of that load. -#}
{% macro latest_version_rank(key_column) -%}
    row_number() over (
        partition by {{ key_column }}
        order by record_updated_at desc nulls last, load_id desc, source_row desc
    )
{%- endmacro %}
