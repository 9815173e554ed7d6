-- Telephone contacts from agencies (in scope, not referrals) by agency type, per academic
-- year, each type's share of that year's in-scope telephone contacts.
with grid as (
    {{ counts_by_year_and('agency_type', 'cin_referral_sources', where='in_scope', measures={
        'phone_contacts': "count(*) filter (where channel = 'phone' and not is_referral)",
    }) }}
)

select
    academic_year,
    agency_type,
    phone_contacts,
    100.0 * phone_contacts / nullif(sum(phone_contacts) over (partition by academic_year), 0) as pct
from grid
order by academic_year, agency_type
