{#-
    Why a run without ds vars builds the ds it builds, as one line of text:
    the latest ds landed in every source (latest_landed_ds) and, for each
    source, its later partitions that are not complete yet, e.g.
    "users ds=2025-03-02 has no _SUCCESS yet; running 2025-03-01, the latest ds
    landed in every source". A later ds is one some source has landed
    (complete or not); consecutive days in the same state are one range.
-#}
{% macro explain_latest_landed_ds() %}
    {%- set latest = latest_landed_ds() -%}
    {%- set by_source = {} -%}
    {%- set later = [] -%}
    {%- for source_name in landing_source_names() -%}
        {%- set partitions = landing_partitions(source_name) -%}
        {%- do by_source.update({source_name: partitions}) -%}
        {%- for ds in partitions if ds > latest and ds not in later -%}
            {%- do later.append(ds) -%}
        {%- endfor -%}
    {%- endfor -%}

    {%- set reasons = [] -%}
    {%- for source_name, partitions in by_source | dictsort -%}
        {#- Runs of consecutive later days in the same state: [state, first ds, last ds]. -#}
        {%- set runs = [] -%}
        {%- for ds in later | sort if not (partitions.get(ds) or {}).get('complete') -%}
            {%- set state = 'incomplete' if ds in partitions else 'not_landed' -%}
            {%- if runs and runs[-1][0] == state and ds_shift(runs[-1][2], 1) == ds -%}
                {%- do runs[-1].pop() -%}
                {%- do runs[-1].append(ds) -%}
            {%- else -%}
                {%- do runs.append([state, ds, ds]) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for state, first_ds, last_ds in runs -%}
            {%- set one = first_ds == last_ds -%}
            {%- do reasons.append(
                source_name ~ " ds=" ~ first_ds ~ ("" if one else " .. " ~ last_ds) ~ " "
                ~ (("has" if one else "have") ~ " no _SUCCESS yet" if state == 'incomplete' else ("has" if one else "have") ~ " not landed")
            ) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- do reasons.append("running " ~ latest ~ ", the latest ds landed in every source") -%}
    {{ return(reasons | join('; ')) }}
{% endmacro %}
