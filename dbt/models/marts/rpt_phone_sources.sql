-- Telephone contacts from agencies (in scope, not referrals) by agency type, per academic
-- year, each type's share of that year's in-scope telephone contacts.
with years as (
    select distinct academic_year from {{ ref('fct_contacts') }}
),

agency_types as (
    select distinct agency_type from {{ ref('cin_referral_sources') }} where in_scope
    union
    select distinct agency_type from {{ ref('fct_contacts') }} where in_scope
),

counts as (
    select academic_year, agency_type, count(*) as phone_contacts
    from {{ ref('fct_contacts') }}
    where in_scope
        and channel = 'phone'
        and not is_referral
    group by academic_year, agency_type
),

grid as (
    select
        years.academic_year,
        agency_types.agency_type,
        coalesce(counts.phone_contacts, 0) as phone_contacts
    from years
    cross join agency_types
    left join counts
        on years.academic_year = counts.academic_year
        and agency_types.agency_type = counts.agency_type
)

select
    academic_year,
    agency_type,
    phone_contacts,
    100.0 * phone_contacts / nullif(sum(phone_contacts) over (partition by academic_year), 0) as pct
from grid
order by academic_year, agency_type
