-- The complete school-by-month grid: every school of dim_school for every month from the
-- first to the last month of any contact or call, zeros where nothing came in.
with data_months as (
    select month_start from {{ ref('fct_contacts') }}
    union all
    select month_start from {{ ref('fct_calls') }}
),

months as (
    select cast(unnest(generate_series(min(month_start), max(month_start), interval 1 month)) as date)
        as month_start
    from data_months
    having count(*) > 0
),

contacts as (
    select
        school_urn,
        month_start,
        count(*) filter (where channel = 'phone' and not is_referral) as phone_contacts,
        count(*) filter (where channel = 'email' and not is_referral) as email_contacts,
        count(*) filter (where channel = 'other' and not is_referral) as other_contacts,
        count(*) filter (where is_referral) as referrals,
        count(*) as contacts_and_referrals
    from {{ ref('fct_contacts') }}
    where school_urn is not null
    group by school_urn, month_start
),

calls as (
    select school_urn, month_start, count(*) as calls_attributed
    from {{ ref('fct_calls') }}
    where school_urn is not null
    group by school_urn, month_start
)

select
    schools.school_urn,
    months.month_start,
    {{ academic_year('months.month_start') }} as academic_year,
    coalesce(contacts.phone_contacts, 0) as phone_contacts,
    coalesce(contacts.email_contacts, 0) as email_contacts,
    coalesce(contacts.other_contacts, 0) as other_contacts,
    coalesce(contacts.referrals, 0) as referrals,
    coalesce(contacts.contacts_and_referrals, 0) as contacts_and_referrals,
    coalesce(calls.calls_attributed, 0) as calls_attributed
from {{ ref('dim_school') }} as schools
cross join months
left join contacts
    on schools.school_urn = contacts.school_urn
    and months.month_start = contacts.month_start
left join calls
    on schools.school_urn = calls.school_urn
    and months.month_start = calls.month_start
order by schools.school_urn, months.month_start
