{#- Every non-null key (an expression of the row, by default the column itself) is one of
    values or is in one of the lookups ({to: relation, field: column}). Fails with one row
    per unknown key and how many rows carry it. -#}
{% test value_is_known(model, column_name, key=none, values=[], lookups=[]) %}
{%- set key = key or column_name %}
with keyed as (
    select {{ key }} as key
    from {{ model }}
)

select key, count(*) as rows_with_key
from keyed
where key is not null
    {%- if values %}
    and key not in (
        {%- for value in values %}'{{ value }}'{% if not loop.last %}, {% endif %}{% endfor -%}
    )
    {%- endif %}
    {%- for lookup in lookups %}
    and key not in (select {{ lookup.field }} from {{ lookup.to }} where {{ lookup.field }} is not null)
    {%- endfor %}
group by key
{% endtest %}
