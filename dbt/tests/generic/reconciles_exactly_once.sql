{#- Every key of the source model appears exactly once in this model, and this model has no
    key the source lacks: a fan-out or a lost row between layers fails. -#}
{% test reconciles_exactly_once(model, column_name, source_model, source_column) %}
select
    key,
    count(*) filter (where side = 'source') as source_rows,
    count(*) filter (where side = 'model') as model_rows
from (
    select {{ source_column }} as key, 'source' as side from {{ source_model }}
    union all
    select {{ column_name }}, 'model' from {{ model }}
)
group by key
having count(*) filter (where side = 'model') <> 1
    or count(*) filter (where side = 'source') = 0
{% endtest %}
