-- Calls with the menu option read by the menu of the call's own day, the caller number
-- attributed to a school or agency, and the contact the call handler linked to the call.
with calls as (
    select * from {{ ref('stg_telephony__calls') }}
),

successors as (
    select * from {{ ref('int_schools__successors') }}
),

numbers as (
    select
        schools.telephone_number,
        'SCH' || successors.current_urn as agency_id,
        successors.current_urn as school_urn,
        'Schools' as agency_type
    from {{ ref('stg_gias__schools') }} as schools
    inner join successors on schools.urn = successors.urn
    where schools.telephone_number is not null
    union
    select telephone_number, agency_id, null, agency_type
    from {{ ref('stg_reference__agencies') }}
    where telephone_number is not null
),

-- A number shared by two organisations cannot say who called.
owned_numbers as (
    select
        telephone_number,
        any_value(agency_id) as agency_id,
        any_value(school_urn) as school_urn,
        any_value(agency_type) as agency_type
    from numbers
    group by telephone_number
    having count(distinct agency_id) = 1
),

linked_contacts as (
    select
        call_reference as call_id,
        first(contact_id order by contact_at, contact_id) as contact_id,
        count(*) as linked_contacts
    from {{ ref('stg_mash__contacts') }}
    where call_reference is not null
    group by call_reference
)

select
    calls.call_id,
    calls.call_at,
    calls.call_date,
    calls.month_start,
    calls.academic_year,
    calls.caller_key,
    calls.ivr_option,
    menu.route as ivr_route,
    menu.route_team as ivr_route_team,
    calls.handling_team,
    calls.wait_seconds,
    calls.talk_seconds,
    calls.call_result,
    calls.call_outcome,
    owned_numbers.school_urn,
    owned_numbers.agency_id,
    owned_numbers.agency_type as caller_agency_type,
    linked_contacts.contact_id,
    coalesce(linked_contacts.linked_contacts, 0) as linked_contacts,
    calls.record_updated_at
from calls
left join {{ ref('ivr_menu_options') }} as menu
    on calls.ivr_option = menu.ivr_option
    and calls.call_date between menu.valid_from and menu.valid_to
left join owned_numbers
    on calls.caller_number = owned_numbers.telephone_number
left join linked_contacts
    on calls.call_id = linked_contacts.call_id
