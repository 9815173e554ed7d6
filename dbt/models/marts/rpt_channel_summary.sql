-- All contacts and referrals (every referrer) by channel, per academic year.
with years as (
    select distinct academic_year from {{ ref('fct_contacts') }}
),

channels as (
    select distinct channel from {{ ref('contact_methods') }}
    union
    select distinct channel from {{ ref('fct_contacts') }}
),

counts as (
    select
        academic_year,
        channel,
        count(*) as contacts_and_referrals,
        count(*) filter (where not is_referral) as contacts,
        count(*) filter (where is_referral) as referrals
    from {{ ref('fct_contacts') }}
    group by academic_year, channel
),

grid as (
    select
        years.academic_year,
        channels.channel,
        coalesce(counts.contacts_and_referrals, 0) as contacts_and_referrals,
        coalesce(counts.contacts, 0) as contacts,
        coalesce(counts.referrals, 0) as referrals
    from years
    cross join channels
    left join counts
        on years.academic_year = counts.academic_year
        and channels.channel = counts.channel
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
