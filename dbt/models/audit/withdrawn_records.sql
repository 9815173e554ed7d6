-- Records withdrawn by a snapshot: a file version loaded in snapshot mode (resend:
-- snapshot in config/column_aliases.yml, recorded per version in audit.loaded_files) is the
-- whole of the months (UK local time) its rows fall in. A contact or call whose latest
-- version falls in one of those months, and that no load from that snapshot on holds, was
-- left out of the re-send: it is withdrawn, listed here, and left out of staging (and so of
-- every mart). A later load that holds it again brings it back. A snapshot with rejected
-- rows withdraws nothing: an id in a rejected row cannot be told from one left out.
-- Rebuilt whole every run (one pass over raw, as the staging models' changed_ids makes):
-- a withdrawal undoes itself when its snapshot is withdrawn or the record comes back.
with snapshots as (
    select load_id, kind, file_name
    from {{ source('audit', 'loaded_files') }}
    where status = 'loaded'
        and resend_mode = 'snapshot'
        and withdrawn_at is null
        and rows_rejected = 0
),

{% set kinds = [
    ('contacts', 'contact_id', 'contact_at'),
    ('calls', 'call_id', 'call_start'),
] -%}
left_out as (
    {%- for kind, key_column, at_column in kinds %}
    select
        '{{ kind }}' as kind,
        records.{{ key_column }} as record_id,
        records.month_start,
        records.last_load_id,
        min(snapshot_months.load_id) as withdrawn_by_load_id
    from (
        select
            {{ key_column }},
            {{ month_start(at_column) }} as month_start,
            max(load_id) over (partition by {{ key_column }}) as last_load_id
        from {{ source('raw', kind) }}
        qualify {{ latest_version_rank(key_column) }} = 1
    ) as records
    inner join (
        select distinct raw_rows.load_id, {{ month_start('raw_rows.' ~ at_column) }} as month_start
        from {{ source('raw', kind) }} as raw_rows
        inner join snapshots
            on raw_rows.load_id = snapshots.load_id
            and snapshots.kind = '{{ kind }}'
    ) as snapshot_months
        on records.month_start = snapshot_months.month_start
        and snapshot_months.load_id > records.last_load_id
    group by all
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select
    left_out.kind,
    left_out.record_id,
    left_out.month_start,
    left_out.last_load_id,
    last_load.file_name as last_file,
    left_out.withdrawn_by_load_id,
    snapshots.file_name as withdrawn_by_file
from left_out
inner join snapshots
    on left_out.withdrawn_by_load_id = snapshots.load_id
left join {{ source('audit', 'loaded_files') }} as last_load
    on left_out.last_load_id = last_load.load_id
order by left_out.kind, left_out.withdrawn_by_load_id, left_out.record_id
