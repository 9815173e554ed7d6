{#- Every non-null key (an expression of the row, by default the column itself) is one of
    values, or the known_key (an expression, by default the column's name) of a row of the
    relation known_in. Fails with one row per unknown key and how many rows carry it. -#}
{% test value_is_known(model, column_name, values=[], key=none, known_in=none, known_key=none) %}
with keyed as (
    select {{ key or column_name }} as key
    from {{ model }}
),

known(key) as (
    {%- if values %}
    values {% for value in values %}('{{ value }}'){% if not loop.last %}, {% endif %}{% endfor %}
    {%- else %}
    select null::varchar where false
    {%- endif %}
    {%- if known_in is not none %}
    union all
    select {{ known_key or column_name }} from {{ known_in }}
    {%- endif %}
)

select key, count(*) as rows_with_key
from keyed
where key is not null
    and key not in (select key from known where key is not null)
group by key
{% endtest %}
