-- Every agency a contact or call can be attributed to: the non-school agencies of the
-- agency register and the current schools ('SCH' || URN).
select
    agency_id,
    agency_name,
    agency_type,
    cin_code,
    cast(null as integer) as school_urn,
    district
from {{ ref('stg_reference__agencies') }}
union all
select
    'SCH' || school_urn,
    school_name,
    'Schools',
    '2A',
    school_urn,
    district
from {{ ref('dim_school') }}
where is_current
