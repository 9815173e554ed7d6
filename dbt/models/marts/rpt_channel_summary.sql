-- All contacts and referrals (every referrer) by channel, per academic year.
with grid as (
    {{ counts_by_year_and('channel', 'contact_methods', measures={
        'contacts_and_referrals': 'count(*)',
        'contacts': 'count(*) filter (where not is_referral)',
        'referrals': 'count(*) filter (where is_referral)',
    }) }}
)

select
    academic_year,
    channel,
    contacts_and_referrals,
    contacts,
    referrals,
    100.0 * contacts_and_referrals
        / nullif(sum(contacts_and_referrals) over (partition by academic_year), 0) as pct
from grid
order by academic_year, channel
