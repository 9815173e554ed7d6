-- One row per contact: its latest version, with method, referrer type and outcome read
-- through the reference seeds. A value a seed does not know falls into its bucket (channel
-- 'other', agency type 'Unknown', referral read as not recorded) and is listed in
-- audit.unmapped_values; it never stops the build. Free text is scrubbed of e-mail
-- addresses, telephone numbers, postcodes and ids (scrub_identifiers). Referrer free text
-- stays in raw: the matching asset keys each raw row by the keyed hash of its name.
-- A contact a later snapshot left out (audit.withdrawn_records) is not here.
-- Incremental (config in _staging__models.yml, rules in macros/incremental.sql): only
-- contacts whose winning version changed are recomputed, from all their raw versions.
with latest as (
    {{ latest_raw_versions(source('raw', 'contacts'), 'contact_id', 'contacts') }}
),

typed as (
    select
        *,
        {{ lookup_key('contact_method') }} as method_key,
        {{ lookup_key('referrer_type') }} as referrer_type_key,
        {{ lookup_key('contact_outcome') }} as outcome_key,
        -- a leading CIN code: '2A', '2A - Schools', '10 Unknown'
        upper(nullif(regexp_extract(trim(referrer_type), '^(10|[1-9][A-Za-z]?)(?:$|[^A-Za-z0-9])', 1), ''))
            as leading_cin_code
    from latest
),

coded as (
    select
        typed.*,
        coalesce(by_code.cin_code, aliases.cin_code) as cin_code
    from typed
    left join {{ ref('cin_referral_sources') }} as by_code
        on typed.leading_cin_code = by_code.cin_code
    left join {{ ref('stg_reference__referrer_type_aliases') }} as aliases
        on typed.referrer_type_key = aliases.alias_key
)

select
    coded.contact_id,
    coded.child_key,
    coded.contact_at,
    cast(coded.contact_at as date) as contact_date,
    {{ month_start('coded.contact_at') }} as month_start,
    {{ academic_year('coded.contact_at') }} as academic_year,
    {{ clean_free_text('coded.contact_method') }} as contact_method,
    coalesce(methods.channel, 'other') as channel,
    methods.channel is not null as is_method_mapped,
    {{ clean_free_text('coded.referrer_type') }} as referrer_type,
    coded.cin_code,
    coalesce(sources.agency_type, 'Unknown') as agency_type,
    coalesce(sources.in_scope, true) as in_scope,
    {{ clean_free_text('coded.child_ethnicity') }} as child_ethnicity,
    {{ clean_free_text('coded.child_language') }} as child_language,
    {{ clean_free_text('coded.child_disability') }} as child_disability,
    coalesce(districts.district, {{ clean_free_text('coded.child_district') }}) as child_district,
    {{ clean_free_text('coded.responsible_team') }} as responsible_team,
    {{ clean_free_text('coded.contact_outcome') }} as outcome,
    outcomes.outcome_group,
    coalesce({{ parse_flag('coded.is_referral') }}, outcomes.is_referral, false) as is_referral,
    case
        when {{ parse_flag('coded.is_referral') }} is not null then 'recorded'
        when outcomes.is_referral is not null then 'outcome'
        else 'unrecognised outcome'
    end as is_referral_basis,
    {{ clean_text('coded.call_reference') }} as call_reference,
    coded.record_updated_at,
    coded.source_file,
    coded.source_sha256,
    coded.source_row,
    coded.loaded_at,
    coded.load_id,
    {{ build_fingerprint() }} as build_fingerprint
from coded
left join {{ ref('contact_methods') }} as methods
    on coded.method_key = methods.method_key
left join {{ ref('cin_referral_sources') }} as sources
    on coded.cin_code = sources.cin_code
left join {{ ref('contact_outcomes') }} as outcomes
    on coded.outcome_key = outcomes.outcome_key
left join {{ source('council', 'districts') }} as districts
    on {{ lookup_key('coded.child_district') }} = {{ lookup_key('districts.district') }}
