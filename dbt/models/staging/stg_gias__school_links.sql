-- One row per GIAS link (urn, link_urn, link_type), from the latest file that carried it.
select
    urn,
    link_urn,
    {{ clean_text('link_name') }} as link_name,
    {{ clean_text('link_type') }} as link_type,
    link_established_date
from {{ source('raw', 'school_links') }}
qualify row_number() over (
    partition by urn, link_urn, lower(trim(link_type))
    order by source_file desc, source_row desc
) = 1
