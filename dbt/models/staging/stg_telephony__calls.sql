-- One row per call: its latest version, free text scrubbed of e-mail addresses, telephone
-- numbers, postcodes and ids (scrub_identifiers).
-- A call a later snapshot left out (audit.withdrawn_records) is not here.
-- Incremental (config in _staging__models.yml, rules in macros/incremental.sql): only
-- calls whose winning version changed are recomputed, from all their raw versions.
with latest as (
    {{ latest_raw_versions(source('raw', 'calls'), 'call_id', 'calls') }}
)

select
    call_id,
    call_start as call_at,
    cast(call_start as date) as call_date,
    {{ month_start('call_start') }} as month_start,
    {{ academic_year('call_start') }} as academic_year,
    caller_key,
    {{ normalise_phone('caller_number') }} as caller_number,
    {{ clean_text('ivr_option') }} as ivr_option,
    {{ clean_free_text('handling_team') }} as handling_team,
    wait_seconds,
    talk_seconds,
    -- The contract's result where the call_results seed knows the recorded one ("Yes").
    coalesce(results.call_result, {{ clean_free_text('latest.call_result') }}) as call_result,
    {{ clean_free_text('call_outcome') }} as call_outcome,
    record_updated_at,
    source_file,
    source_sha256,
    source_row,
    loaded_at,
    load_id,
    {{ build_fingerprint() }} as build_fingerprint
from latest
left join {{ ref('call_results') }} as results
    on {{ lookup_key('latest.call_result') }} = results.result_key
