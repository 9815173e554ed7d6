-- The words a referrer_type may be recorded as, by lookup key: the national seed's and the
-- council's own (its profile's referrer_types).
select alias_key, cin_code, 'national' as defined_by
from {{ ref('referrer_type_aliases') }}
union all
select {{ lookup_key('referrer_type') }}, trim(cin_code), 'council'
from {{ source('council', 'referrer_type_aliases') }}
