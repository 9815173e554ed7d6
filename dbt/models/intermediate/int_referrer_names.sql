-- The distinct referrer names of agency (in-scope) contacts, per agency type: what the
-- matching asset matches to the school register and the agency list.
select
    referrer_name_key,
    agency_type,
    count(*) as occurrences,
    min(contact_at) as first_seen_at,
    max(contact_at) as last_seen_at
from {{ ref('stg_mash__contacts') }}
where in_scope
    and referrer_name_key is not null
group by referrer_name_key, agency_type
