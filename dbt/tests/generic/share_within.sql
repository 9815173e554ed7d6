{#- Among the rows meeting population_where, the share meeting condition lies between
    minimum and maximum (0-1 fractions). Fails with one row stating the share when it does
    not. -#}
{% test share_within(model, population_where, condition, minimum=0, maximum=1) %}
with population as (
    select count(*) as rows_in_population, count_if({{ condition }}) as rows_meeting
    from {{ model }}
    where {{ population_where }}
)

select
    rows_in_population,
    rows_meeting,
    rows_meeting / rows_in_population as share,
    {{ minimum }} as minimum,
    {{ maximum }} as maximum
from population
where rows_in_population > 0
    and (
        rows_meeting / rows_in_population < {{ minimum }}
        or rows_meeting / rows_in_population > {{ maximum }}
    )
{% endtest %}
