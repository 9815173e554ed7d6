-- The report's table of in-scope contacts and referrals by referrer agency type, per
-- academic year; every in-scope agency type is listed, with zeros where none came in.
with years as (
    select distinct academic_year from {{ ref('fct_contacts') }}
),

agency_types as (
    select distinct agency_type from {{ ref('cin_referral_sources') }} where in_scope
    union
    select distinct agency_type from {{ ref('fct_contacts') }} where in_scope
),

counts as (
    select
        academic_year,
        agency_type,
        count(*) as total,
        count(*) filter (where not is_referral) as contacts,
        count(*) filter (where is_referral) as referrals
    from {{ ref('fct_contacts') }}
    where in_scope
    group by academic_year, agency_type
),

grid as (
    select
        years.academic_year,
        agency_types.agency_type,
        coalesce(counts.total, 0) as total,
        coalesce(counts.contacts, 0) as contacts,
        coalesce(counts.referrals, 0) as referrals
    from years
    cross join agency_types
    left join counts
        on years.academic_year = counts.academic_year
        and agency_types.agency_type = counts.agency_type
)

select
    academic_year,
    agency_type,
    total,
    contacts,
    referrals,
    100.0 * referrals / nullif(total, 0) as pct_referrals,
    100.0 * contacts / nullif(total, 0) as pct_contacts,
    100.0 * total / nullif(sum(total) over (partition by academic_year), 0) as pct_of_in_scope
from grid
order by academic_year, agency_type
