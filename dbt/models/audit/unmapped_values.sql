-- Every value a reference seed does not know, with how often it occurs and where it came
-- from: the list an analyst works through to add rows to the seeds. Blank values are left
-- out (there is nothing to map).
with unmapped as (
    select
        'contact_method' as kind, 'contact_methods' as seed, contact_method as value,
        source_file, loaded_at
    from {{ ref('stg_mash__contacts') }}
    where contact_method is not null and not is_method_mapped
    union all
    select 'referrer_type', 'referrer_type_aliases', referrer_type, source_file, loaded_at
    from {{ ref('stg_mash__contacts') }}
    where referrer_type is not null and cin_code is null
    union all
    select 'contact_outcome', 'contact_outcomes', outcome, source_file, loaded_at
    from {{ ref('stg_mash__contacts') }}
    where outcome is not null and outcome_group is null
    union all
    select 'call_result', 'call_results', calls.call_result, calls.source_file, calls.loaded_at
    from {{ ref('stg_telephony__calls') }} as calls
    where calls.call_result is not null
        and not exists (
            select 1 from {{ ref('call_results') }} as results
            where results.call_result = calls.call_result
        )
    union all
    select 'ivr_option', 'ivr_menu_options', calls.ivr_option, calls.source_file, calls.loaded_at
    from {{ ref('stg_telephony__calls') }} as calls
    where calls.ivr_option is not null
        and not exists (
            select 1
            from {{ ref('ivr_menu_options') }} as menu
            where menu.ivr_option = calls.ivr_option
                and calls.call_date between menu.valid_from and menu.valid_to
        )
)

select
    kind,
    seed,
    value,
    case when kind = 'ivr_option' then value else {{ lookup_key('value') }} end as seed_key,
    count(*) as occurrences,
    min(source_file) as first_file,
    max(source_file) as last_file,
    min(loaded_at) as first_seen,
    max(loaded_at) as last_seen
from unmapped
group by all
order by kind, occurrences desc, value
