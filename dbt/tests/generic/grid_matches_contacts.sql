{#- A school-by-month grid's count column equals, cell by cell, the number of rows of the
    contacts model with that school and month; a contact outside the grid fails too. -#}
{% test grid_matches_contacts(model, column_name, contacts_model, contacts_where='true') %}
with expected as (
    select school_urn, month_start, count(*) as expected_count
    from {{ contacts_model }}
    where school_urn is not null
        and ({{ contacts_where }})
    group by school_urn, month_start
),

grid as (
    select school_urn, month_start, {{ column_name }} as grid_count
    from {{ model }}
)

select
    coalesce(grid.school_urn, expected.school_urn) as school_urn,
    coalesce(grid.month_start, expected.month_start) as month_start,
    grid.grid_count,
    coalesce(expected.expected_count, 0) as expected_count
from grid
full outer join expected
    on grid.school_urn = expected.school_urn
    and grid.month_start = expected.month_start
where grid.grid_count is distinct from coalesce(expected.expected_count, 0)
{% endtest %}
