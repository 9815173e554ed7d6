{#- How the incremental staging models stay equal to a full rebuild.

    A staging model keeps, for each record id, the version that wins (latest_version_rank)
    among all of that id's raw versions, identified by (load_id, source_row), and the
    build_fingerprint of the code and seeds it was built with. On an incremental run it
    recomputes, from all their raw versions, only the ids whose winning version is not the
    one it holds (a new or updated record, a withdrawn winner, or an id no longer withdrawn
    by a snapshot), and every id when the fingerprint differs; ids with no raw version left,
    and ids a later snapshot left out (audit.withdrawn_records), are deleted
    (delete_ids_not_current). Raw is never trusted to grow only forwards in time: the
    winners are compared, not load timestamps. -#}

{#- A fingerprint of what a model's rows are computed from besides raw's versions: its own
    code, the project macros it calls (rendered, so macros they call count too), the
    checksums of the seeds it reads, the rows of the council tables it reads (the council
    profile's: dbt has no checksum of a source), and the pseudonymisation key raw is bound to
    (audit.pseudonym_key: mash rotate-key rewrites raw's pseudonyms in place, keeping each
    row's provenance). A change to any of them makes the next incremental run recompute
    every row. -#}
{% macro build_fingerprint() -%}
    {%- set parts = [model.raw_code] -%}
    {%- if execute -%}
        {%- for macro_id in model.depends_on.macros | sort
            if macro_id.startswith('macro.' ~ project_name ~ '.')
            and macro_id not in ['macro.' ~ project_name ~ '.build_fingerprint',
                                 'macro.' ~ project_name ~ '.changed_ids',
                                 'macro.' ~ project_name ~ '.latest_raw_versions',
                                 'macro.' ~ project_name ~ '.withdrawn_ids',
                                 'macro.' ~ project_name ~ '.delete_ids_not_current'] -%}
            {%- do parts.append(context[macro_id.split('.')[-1]]('x')) -%}
        {%- endfor -%}
        {%- for node_id in model.depends_on.nodes | sort if node_id.startswith('seed.') -%}
            {%- do parts.append(graph.nodes[node_id].checksum.checksum) -%}
        {%- endfor -%}
        {%- set key_binding = adapter.get_relation(
            database=this.database, schema='audit', identifier='pseudonym_key') -%}
    {%- endif -%}
    {%- set bindings = [] -%}
    {%- if key_binding -%}
        {%- do bindings.append("(select min(fingerprint) from " ~ key_binding ~ ")") -%}
    {%- endif -%}
    {%- for node_id in model.depends_on.nodes | sort
        if execute and node_id.startswith('source.' ~ project_name ~ '.council.') -%}
        {%- do bindings.append("(select md5(string_agg(cast(t as varchar), chr(10) order by "
            ~ "cast(t as varchar))) from " ~ graph.sources[node_id].relation_name ~ " as t)") -%}
    {%- endfor -%}
    {%- if bindings -%}
        md5('{{ local_md5(parts | join("\n")) }}'
        {%- for binding in bindings %} || coalesce({{ binding }}, ''){% endfor %})
    {%- else -%}
        '{{ local_md5(parts | join("\n")) }}'
    {%- endif -%}
{%- endmacro %}

{#- The ids of raw_relation an incremental run must recompute: those whose winning raw
    version differs from the one the model holds or was built with another fingerprint. -#}
{% macro changed_ids(raw_relation, key_column) -%}
    {%- set built_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- if execute and ('build_fingerprint' not in built_columns or 'load_id' not in built_columns) -%}
    {#- built before it was incremental, or before load ids: every id, and on_schema_change
        adds the columns -#}
    select distinct {{ key_column }} from {{ raw_relation }}
    {%- else -%}
    select winners.{{ key_column }}
    from (
        select {{ key_column }}, load_id, source_row
        from {{ raw_relation }}
        qualify {{ latest_version_rank(key_column) }} = 1
    ) as winners
    left join {{ this }} as built
        on winners.{{ key_column }} = built.{{ key_column }}
        and winners.load_id = built.load_id
        and winners.source_row = built.source_row
        and built.build_fingerprint = {{ build_fingerprint() }}
    where built.{{ key_column }} is null
    {%- endif -%}
{%- endmacro %}

{#- The winning raw version of each record id a snapshot has not withdrawn: on an
    incremental run, only of the ids changed_ids lists. Left out of build_fingerprint, as
    changed_ids is: a new ranking rule changes winners, which changed_ids compares. -#}
{% macro latest_raw_versions(raw_relation, key_column, kind) -%}
    select *
    from {{ raw_relation }}
    where {{ key_column }} not in ({{ withdrawn_ids(kind) }})
    {% if is_incremental() -%}
    and {{ key_column }} in ({{ changed_ids(raw_relation, key_column) }})
    {% endif -%}
    qualify {{ latest_version_rank(key_column) }} = 1
{%- endmacro %}

{#- The ids of one kind (contacts, calls) that a later snapshot left out. -#}
{% macro withdrawn_ids(kind) -%}
    select record_id from {{ ref('withdrawn_records') }} where kind = '{{ kind }}'
{%- endmacro %}

{#- Post-hook: delete the rows whose id has no version left in raw (all withdrawn with
    mash withdraw) or that a later snapshot left out. -#}
{% macro delete_ids_not_current(raw_relation, key_column, kind) -%}
    delete from {{ this }} as built
    where not exists (
        select 1 from {{ raw_relation }} as raw_rows
        where raw_rows.{{ key_column }} = built.{{ key_column }}
    )
    or built.{{ key_column }} in ({{ withdrawn_ids(kind) }})
{%- endmacro %}
