{#- The grid has a row for every key of the dimension model and every month between its
    first and last month. -#}
{% test grid_is_complete(model, column_name, dimension_model, dimension_column, month_column='month_start') %}
with months as (
    select cast(unnest(generate_series(min({{ month_column }}), max({{ month_column }}), interval 1 month)) as date)
        as month_start
    from {{ model }}
    having count(*) > 0
),

expected as (
    select dimension.{{ dimension_column }} as key, months.month_start
    from {{ dimension_model }} as dimension
    cross join months
)

select expected.key, expected.month_start
from expected
left join {{ model }} as grid
    on expected.key = grid.{{ column_name }}
    and expected.month_start = grid.{{ month_column }}
where grid.{{ column_name }} is null
{% endtest %}
