-- The report's table of in-scope contacts and referrals by referrer agency type, per
-- academic year; every in-scope agency type is listed, with zeros where none came in.
with grid as (
    {{ counts_by_year_and('agency_type', 'cin_referral_sources', where='in_scope', measures={
        'total': 'count(*)',
        'contacts': 'count(*) filter (where not is_referral)',
        'referrals': 'count(*) filter (where is_referral)',
    }) }}
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
