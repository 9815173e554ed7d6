-- Contacts with the agency their referrer was matched to, joined by the keyed hash of the
-- referrer name (the matching asset keys each raw contact row; no name text comes here). A
-- school match is moved to the school's current URN, and its agency id follows
-- ('SCH' || current URN).
with contacts as (
    select
        staged.*,
        referrers.referrer_key
    from {{ ref('stg_mash__contacts') }} as staged
    left join {{ source('matching', 'contact_referrers') }} as referrers
        on staged.source_file = referrers.source_file
        and staged.source_sha256 = referrers.source_sha256
        and staged.source_row = referrers.source_row
),

-- Every resolved name, unmatched ones too, so that names awaiting review are flagged.
matches as (
    select
        referrer_key,
        agency_type,
        match_method,
        case when match_method <> 'unmatched' then match_score end as match_score,
        in_review,
        case when match_method <> 'unmatched' then agency_id end as agency_id,
        case when match_method <> 'unmatched' then school_urn end as school_urn
    from {{ source('matching', 'agency_matches') }}
),

successors as (
    select * from {{ ref('int_schools__successors') }}
),

calls as (
    select call_id from {{ ref('stg_telephony__calls') }}
)

select
    contacts.contact_id,
    contacts.child_key,
    contacts.contact_at,
    contacts.contact_date,
    contacts.month_start,
    contacts.academic_year,
    contacts.contact_method,
    contacts.channel,
    contacts.referrer_type,
    contacts.cin_code,
    contacts.agency_type,
    contacts.in_scope,
    contacts.referrer_key,
    case
        when matches.school_urn is not null
            then 'SCH' || coalesce(successors.current_urn, matches.school_urn)
        else matches.agency_id
    end as agency_id,
    coalesce(successors.current_urn, matches.school_urn) as school_urn,
    coalesce(matches.match_method, 'unmatched') as match_method,
    matches.match_score,
    coalesce(matches.in_review, false) as match_in_review,
    contacts.child_ethnicity,
    contacts.child_language,
    contacts.child_disability,
    contacts.child_district,
    contacts.responsible_team,
    contacts.outcome,
    contacts.outcome_group,
    contacts.is_referral,
    contacts.is_referral_basis,
    calls.call_id,
    contacts.record_updated_at
from contacts
left join matches
    on contacts.referrer_key = matches.referrer_key
    and contacts.agency_type = matches.agency_type
left join successors
    on matches.school_urn = successors.urn
left join calls
    on contacts.call_reference = calls.call_id
