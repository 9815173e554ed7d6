{#- Among the rows meeting population_where, the share meeting condition is at most
    maximum (a 0-1 fraction). Fails with one row stating the share when it is higher. -#}
{% test share_at_most(model, population_where, condition, maximum) %}
with population as (
    select count(*) as rows_in_population, count_if({{ condition }}) as rows_meeting
    from {{ model }}
    where {{ population_where }}
)

select rows_in_population, rows_meeting, rows_meeting / rows_in_population as share, {{ maximum }} as maximum
from population
where rows_in_population > 0
    and rows_meeting / rows_in_population > {{ maximum }}
{% endtest %}
