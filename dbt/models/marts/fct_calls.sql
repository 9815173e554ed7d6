-- One row per inbound call (latest version), read with the menu of its day.
select
    call_id,
    call_at,
    call_date,
    month_start,
    academic_year,
    ivr_option,
    ivr_route,
    ivr_route_team,
    handling_team,
    wait_seconds,
    talk_seconds,
    call_result,
    call_outcome,
    caller_key,
    school_urn,
    agency_id,
    caller_agency_type,
    contact_id,
    linked_contacts,
    record_updated_at
from {{ ref('int_calls__attributed') }}
