{#- Every non-null key (an expression of the row, by default the column itself) is one of
    values. Fails with one row per unknown key and how many rows carry it. -#}
{% test value_is_known(model, column_name, values, key=none) %}
with keyed as (
    select {{ key or column_name }} as key
    from {{ model }}
)

select key, count(*) as rows_with_key
from keyed
where key is not null
    and key not in ({% for value in values %}'{{ value }}'{% if not loop.last %}, {% endif %}{% endfor %})
group by key
{% endtest %}
