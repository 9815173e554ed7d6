-- Each school's current URN: academy conversions (and other successions) in the GIAS links
-- followed to the newest URN. A school with no successor is its own current URN.
with recursive schools as (
    select urn from {{ ref('stg_gias__schools') }}
),

links as (
    select urn, link_urn, lower(link_type) as link_type, link_established_date
    from {{ ref('stg_gias__school_links') }}
),

-- GIAS writes a succession from both ends: A 'Successor' B and B 'Predecessor' A.
successions as (
    select urn, link_urn as successor_urn, link_established_date
    from links
    where link_type like 'successor%'
    union
    select link_urn as urn, urn as successor_urn, link_established_date
    from links
    where link_type like 'predecessor%'
),

-- Where a school has several successors (a split), follow the most recent link.
next_urn as (
    select urn, successor_urn
    from successions
    where successor_urn in (select urn from schools)
        and successor_urn <> urn
    qualify row_number() over (
        partition by urn order by link_established_date desc nulls last, successor_urn desc
    ) = 1
),

chain as (
    select urn, urn as current_urn, 0 as conversions, [urn] as visited
    from schools
    union all
    select chain.urn, next_urn.successor_urn, chain.conversions + 1,
        list_append(chain.visited, next_urn.successor_urn)
    from chain
    inner join next_urn on chain.current_urn = next_urn.urn
    where not list_contains(chain.visited, next_urn.successor_urn)
)

select urn, current_urn, conversions
from chain
qualify row_number() over (partition by urn order by conversions desc) = 1
