{#- Every column the YAML declares for this source table (name and data_type) is in the
    warehouse with that type: the raw layer's column contract, which dbt states for sources
    as a model contract does for models. Fails with one row per missing or retyped column. -#}
{% test has_declared_types(model) %}
{%- set declared = [] -%}
{%- if execute -%}
    {%- for node in graph.sources.values()
        if node.schema == model.schema and node.identifier == model.identifier -%}
        {%- for column in node.columns.values() if column.data_type -%}
            {%- do declared.append((column.name, column.data_type | upper)) -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif %}
with declared(column_name, declared_type) as (
    {%- if declared %}
    values
    {%- for name, data_type in declared %}
        ('{{ name }}', '{{ data_type }}'){% if not loop.last %},{% endif %}
    {%- endfor %}
    {%- else %}
    select null::varchar, null::varchar where false
    {%- endif %}
),

actual as (
    select column_name, data_type as actual_type
    from information_schema.columns
    where table_schema = '{{ model.schema }}' and table_name = '{{ model.identifier }}'
)

select declared.column_name, declared.declared_type, actual.actual_type
from declared
left join actual on declared.column_name = actual.column_name
where actual.actual_type is distinct from declared.declared_type
{% endtest %}
