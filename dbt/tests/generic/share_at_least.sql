{#- Among the rows meeting population_where, the share meeting condition is at least
    minimum (a 0-1 fraction). Fails with one row stating the share when it is lower. -#}
{% test share_at_least(model, population_where, condition, minimum) %}
with population as (
    select count(*) as rows_in_population, count_if({{ condition }}) as rows_meeting
    from {{ model }}
    where {{ population_where }}
)

select rows_in_population, rows_meeting, rows_meeting / rows_in_population as share, {{ minimum }} as minimum
from population
where rows_in_population > 0
    and rows_meeting / rows_in_population < {{ minimum }}
{% endtest %}
