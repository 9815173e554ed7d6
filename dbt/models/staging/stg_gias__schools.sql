-- One row per school (URN) of the configured local authorities, from the latest register
-- row, keeping schools open at some point of the data window (first contact or call onward).
with latest as (
    select *
    from {{ source('raw', 'schools') }}
    qualify row_number() over (partition by urn order by source_file desc, source_row desc) = 1
),

data_window as (
    select min(first_day) as first_day
    from (
        select min(contact_date) as first_day from {{ ref('stg_mash__contacts') }}
        union all
        select min(call_date) from {{ ref('stg_telephony__calls') }}
    )
),

bands as (
    select * from {{ ref('school_bands') }}
),

schools as (
    select
        latest.urn,
        trim(latest.establishment_name) as school_name,
        trim(latest.la_code) as la_code,
        coalesce({{ clean_text('latest.la_name') }}, authorities.la_name) as la_name,
        authorities.is_home as is_home_la,
        {{ clean_text('latest.district') }} as district,
        {{ clean_text('latest.phase') }} as phase,
        {{ clean_text('latest.establishment_type') }} as establishment_type,
        {{ clean_text('latest.status') }} as status,
        coalesce(lower(trim(latest.status)) like 'open%', latest.close_date is null) as is_open,
        latest.open_date,
        latest.close_date,
        latest.number_of_pupils as pupils,
        latest.percentage_fsm as pct_fsm,
        {{ normalise_phone('latest.telephone_num') }} as telephone_number,
        {{ clean_text('latest.postcode') }} as postcode,
        -- GIAS Town is outside the extract contract, so ingestion keeps it among the extras.
        {{ clean_text("coalesce(json_extract_string(latest.extra_columns, '$.Town'), "
            ~ "json_extract_string(latest.extra_columns, '$.town'), "
            ~ "json_extract_string(latest.extra_columns, '$.TOWN'))") }} as town,
        latest.source_file
    from latest
    inner join {{ source('council', 'local_authorities') }} as authorities
        on trim(latest.la_code) = authorities.la_code
    cross join data_window
    where latest.close_date is null
        or data_window.first_day is null
        or latest.close_date >= data_window.first_day
)

select
    schools.urn,
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
    coalesce(size_bands.band, 'unknown') as size_band,
    coalesce(fsm_bands.band, 'unknown') as fsm_band,
    schools.telephone_number,
    schools.postcode,
    schools.town,
    schools.source_file
from schools
left join bands as size_bands
    on size_bands.measure = 'pupils'
    and schools.pupils >= size_bands.lower_bound
    and (size_bands.upper_bound is null or schools.pupils < size_bands.upper_bound)
left join bands as fsm_bands
    on fsm_bands.measure = 'pct_fsm'
    and schools.pct_fsm >= fsm_bands.lower_bound
    and (fsm_bands.upper_bound is null or schools.pct_fsm < fsm_bands.upper_bound)
