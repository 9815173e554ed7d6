-- All contacts and referrals (every referrer) by the child's district, per academic year,
-- against the district's estimated population aged 0-17. Children out of county or with
-- no district recorded share one row with no population.
{% set outside_districts = 'Out of county or blank' %}
with years as (
    select distinct academic_year from {{ ref('fct_contacts') }}
),

populations as (
    select district, population_0_17, ons_population_0_17
    from {{ ref('stg_reference__districts') }}
),

districts as (
    select district from populations
    union all
    select '{{ outside_districts }}'
),

counts as (
    select
        contacts.academic_year,
        coalesce(populations.district, '{{ outside_districts }}') as district,
        count(*) as contacts_and_referrals
    from {{ ref('fct_contacts') }} as contacts
    left join populations
        on contacts.child_district = populations.district
    group by all
)

select
    years.academic_year,
    districts.district,
    coalesce(counts.contacts_and_referrals, 0) as contacts_and_referrals,
    populations.population_0_17,
    populations.ons_population_0_17,
    coalesce(counts.contacts_and_referrals, 0) / populations.population_0_17 as per_head
from years
cross join districts
left join populations
    on districts.district = populations.district
left join counts
    on years.academic_year = counts.academic_year
    and districts.district = counts.district
order by years.academic_year, populations.district is null, districts.district
