-- Per referring school and academic year: the school's contacts and referrals with its
-- size and free-school-meals share, for schools with at least one contact or referral that
-- year (the population of the report's per-school figures and correlations).
select
    contacts.academic_year,
    contacts.school_urn,
    count(*) as contacts_and_referrals,
    count(*) filter (where not contacts.is_referral) as contacts,
    count(*) filter (where contacts.is_referral) as referrals,
    count(*) filter (where contacts.channel = 'phone' and not contacts.is_referral) as phone_contacts,
    any_value(schools.pupils) as pupils,
    any_value(schools.pct_fsm) as pct_fsm,
    any_value(schools.size_band) as size_band,
    any_value(schools.fsm_band) as fsm_band
from {{ ref('fct_contacts') }} as contacts
left join {{ ref('dim_school') }} as schools
    on contacts.school_urn = schools.school_urn
where contacts.school_urn is not null
group by contacts.academic_year, contacts.school_urn
order by contacts.academic_year, contacts.school_urn
