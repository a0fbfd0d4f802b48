{#-
    Runs the model's partition checks on its staged rows, one result per
    check per ds from first_ds to last_ds, records every result in the audit
    table, fires a dbt warning per warned check, logs skips, and returns a
    message for every failed blocking (severity error) check: model, ds,
    check, observed and expected values.

    A result's status is pass, fail (a failed error check: it blocks), warn
    (a failed warn check: recorded, published), or skip: the check could not
    judge the ds, e.g. a comparison with trailing partitions when there is no
    history yet. A skip neither blocks nor warns, whatever the severity; its
    threshold column holds the reason.

    A check is an entry of the model's meta.partition_checks:
        {type: <check type>, name: <optional>, severity: error | warn, ...arguments}
    A check type is a macro named partition_check_<type>(stage, published,
    first_ds, last_ds, check) that returns a select of (ds, observed_value,
    threshold, passed), one row per ds, plus optionally a fifth column
    skip_reason: not null when the ds cannot be judged (passed is then
    ignored). Write your own the same way.
-#}
{% macro run_partition_checks(stage, published, first_ds, last_ds) %}
    {%- set results = [] -%}
    {%- for check in _load_partition_checks() -%}
        {%- set check_macro = context.get('partition_check_' ~ check.type) -%}
        {%- set rows = run_query(check_macro(stage, published, first_ds, last_ds, check)) -%}
        {%- set has_skip_reason = 'skip_reason' in rows.column_names | map('lower') | list -%}
        {%- for row in rows -%}
            {%- set skip_reason = row[4] if has_skip_reason else none -%}
            {%- set passed = row[3] is sameas true -%}
            {%- if skip_reason is not none -%}
                {%- set status = 'skip' -%}
            {%- else -%}
                {%- set status = 'pass' if passed else ('fail' if check.severity == 'error' else 'warn') -%}
            {%- endif -%}
            {%- do results.append({
                'check': check,
                'ds': row[0] | string,
                'observed': row[1],
                'threshold': (skip_reason if skip_reason is not none else row[2]) | string,
                'status': status,
            }) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- do _record_check_results(results) -%}

    {%- set failures = [] -%}
    {%- set skipped = {} -%}
    {%- for result in results if result.status in ('fail', 'warn') -%}
        {%- set message = "  " ~ model.name ~ " ds=" ~ result.ds ~ " check " ~ result.check.name ~ " (" ~ result.check.severity ~ "): observed "
            ~ result.observed ~ ", expected " ~ result.threshold -%}
        {%- if result.status == 'fail' -%}
            {%- do failures.append(message) -%}
        {%- else -%}
            {#- A dbt warning: [WARNING] in the output, level warn in the logs, an error under --warn-error. -#}
            {%- do exceptions.warn("[WARNING]: partition check warned, published anyway: " ~ message | trim) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for result in results if result.status == 'skip' -%}
        {%- do skipped.setdefault(result.check.name, []).append(result.ds) -%}
    {%- endfor -%}
    {%- for check_name, days in skipped | dictsort -%}
        {{ log(
            model.name ~ ": partition check " ~ check_name ~ " skipped (not judged, e.g. no history to compare with yet) on "
            ~ days | length ~ " partition(s), " ~ days | min ~ (" .. " ~ days | max if days | length > 1 else "")
            ~ "; the reasons are in audit.partition_check_results", info=true
        ) }}
    {%- endfor -%}
    {{ return(failures) }}
{% endmacro %}


{#- The model's checks, validated, each with a name and a severity. -#}
{% macro _load_partition_checks() %}
    {%- set declared = (config.get('meta') or {}).get('partition_checks') or [] -%}
    {%- set checks = [] -%}
    {%- for entry in declared -%}
        {%- if entry is not mapping or not entry.get('type') -%}
            {{ exceptions.raise_compiler_error(model.name ~ ": partition check #" ~ loop.index ~ " needs a `type`, got " ~ entry) }}
        {%- endif -%}
        {%- if context.get('partition_check_' ~ entry.type) is none -%}
            {{ exceptions.raise_compiler_error(
                model.name ~ ": unknown partition check type '" ~ entry.type ~ "' (no macro partition_check_" ~ entry.type ~ ")"
            ) }}
        {%- endif -%}
        {%- set severity = entry.get('severity', 'error') -%}
        {%- if severity not in ('error', 'warn') -%}
            {{ exceptions.raise_compiler_error(model.name ~ ": partition check '" ~ entry.type ~ "' has severity '" ~ severity ~ "'; use error or warn") }}
        {%- endif -%}
        {%- set check = dict(entry) -%}
        {%- do check.update({'severity': severity, 'name': entry.get('name') or _default_check_name(entry)}) -%}
        {%- do checks.append(check) -%}
    {%- endfor -%}
    {{ return(checks) }}
{% endmacro %}


{% macro _default_check_name(entry) %}
    {%- set subject = entry.get('column') or (entry.get('columns') or []) | join('__') or entry.get('measure') or '' -%}
    {{ return(entry.type ~ ('__' ~ subject if subject else '')) }}
{% endmacro %}


{% macro _record_check_results(results) %}
    {%- if not results -%}
        {{ return(none) }}
    {%- endif -%}
    {#- dbt run and build create it in on-run-start (dbt_project.yml) before any model runs. -#}
    {%- if flags.WHICH not in ('run', 'build') -%}
        {%- do ensure_audit_table() -%}
    {%- endif -%}
    {%- call statement('record_check_results') -%}
        insert into {{ audit_table_relation() }}
        values
        {%- for result in results %}
            (
                '{{ invocation_id }}',
                '{{ model.name }}',
                {{ ds_literal(result.ds) }},
                '{{ result.check.name | replace("'", "''") }}',
                '{{ result.check.type }}',
                '{{ result.check.severity }}',
                '{{ result.status }}',
                {{ result.observed if result.observed is number else 'null' }},
                '{{ result.threshold | replace("'", "''") }}',
                {{ dbt.current_timestamp() }}
            ){{ "," if not loop.last }}
        {%- endfor %}
    {%- endcall -%}
    {%- do adapter.commit() -%}
{% endmacro %}
