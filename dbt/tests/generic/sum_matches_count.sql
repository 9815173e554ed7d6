{#- A summary's column, summed per group, equals the number of rows of the detail model in
    that group (optionally filtered): a report that loses or double counts rows fails. -#}
{% test sum_matches_count(model, column_name, detail_model, group_column, detail_where='true') %}
with summary as (
    select {{ group_column }} as group_key, sum({{ column_name }}) as summed
    from {{ model }}
    group by {{ group_column }}
),

detail as (
    select {{ group_column }} as group_key, count(*) as counted
    from {{ detail_model }}
    where {{ detail_where }}
    group by {{ group_column }}
)

select
    coalesce(summary.group_key, detail.group_key) as group_key,
    coalesce(summary.summed, 0) as summed,
    coalesce(detail.counted, 0) as counted
from summary
full outer join detail on summary.group_key = detail.group_key
where coalesce(summary.summed, 0) <> coalesce(detail.counted, 0)
{% endtest %}
