-- Schools of the configured local authorities open at some point of the data window.
-- A converted school keeps its old URN's row, pointing at its successor.
select
    schools.urn as school_urn,
    schools.school_name,
    schools.la_code,
    schools.la_name,
    schools.is_home_la,
    schools.district,
    schools.phase,
    schools.establishment_type,
    schools.status,
    schools.is_open,
    schools.open_date,
    schools.close_date,
    schools.pupils,
    schools.pct_fsm,
    schools.size_band,
    schools.fsm_band,
    nullif(successors.current_urn, schools.urn) as successor_urn,
    successors.current_urn = schools.urn as is_current
from {{ ref('stg_gias__schools') }} as schools
inner join {{ ref('int_schools__successors') }} as successors
    on schools.urn = successors.urn
