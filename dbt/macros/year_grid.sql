{#- Every academic year of fct_contacts crossed with every category (those the seed lists and
    those the contacts carry, both filtered by `where`), each measure counted over the
    contacts that pass `where`: zeros where none came in, so a report lists every year and
    every category. `measures` maps each output column to its aggregate. -#}
{% macro counts_by_year_and(category, seed, measures, where='true') -%}
with years as (
    select distinct academic_year from {{ ref('fct_contacts') }}
),

categories as (
    select distinct {{ category }} from {{ ref(seed) }} where {{ where }}
    union
    select distinct {{ category }} from {{ ref('fct_contacts') }} where {{ where }}
),

counts as (
    select
        academic_year,
        {{ category }},
        {%- for name, aggregate in measures.items() %}
        {{ aggregate }} as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('fct_contacts') }}
    where {{ where }}
    group by academic_year, {{ category }}
)

select
    years.academic_year,
    categories.{{ category }},
    {%- for name in measures %}
    coalesce(counts.{{ name }}, 0) as {{ name }}{{ ',' if not loop.last }}
    {%- endfor %}
from years
cross join categories
left join counts
    on years.academic_year = counts.academic_year
    and categories.{{ category }} = counts.{{ category }}
{%- endmacro %}
