-- The council's register of non-school agencies, telephone numbers normalised for attribution.
select
    trim(agency_id) as agency_id,
    trim(agency_name) as agency_name,
    trim(agency_type) as agency_type,
    {{ clean_text('cin_code') }} as cin_code,
    {{ clean_text('aliases') }} as aliases,
    {{ normalise_phone('telephone') }} as telephone_number,
    {{ clean_text('district') }} as district
from {{ source('council', 'agencies') }}
