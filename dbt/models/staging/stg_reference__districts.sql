-- The council's districts (a unitary authority: the authority itself) and their
-- populations aged 0-17, for the marts, which read the profile through staging.
select
    district,
    ons_code,
    population_0_17,
    ons_population_0_17,
    population_source
from {{ source('council', 'districts') }}
