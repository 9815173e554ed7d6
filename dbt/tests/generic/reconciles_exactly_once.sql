{#- Every key of the source model appears exactly once in this model, and this model has no
    key the source lacks: a fan-out or a lost row between layers fails. -#}
{% test reconciles_exactly_once(model, column_name, source_model, source_column) %}
with source_keys as (
    select {{ source_column }} as key, count(*) as source_rows
    from {{ source_model }}
    group by {{ source_column }}
),

model_keys as (
    select {{ column_name }} as key, count(*) as model_rows
    from {{ model }}
    group by {{ column_name }}
)

select
    coalesce(source_keys.key, model_keys.key) as key,
    coalesce(source_keys.source_rows, 0) as source_rows,
    coalesce(model_keys.model_rows, 0) as model_rows
from source_keys
full outer join model_keys on source_keys.key = model_keys.key
where coalesce(model_keys.model_rows, 0) <> 1
    or source_keys.key is null
{% endtest %}
