{#-
    The rows of exp_definitions: one per experiment, variant and metric, with
    the experiment's settings. `experiments` is written by `stayhub
    experiments generate` from experiments/*.yml (models/experiments/generated/).
-#}
{% macro experiment_definitions(experiments) %}
    {%- set rows = [] -%}
    {%- for experiment in experiments -%}
        {%- for variant in experiment.variants -%}
            {%- for metric in experiment.metrics -%}
                {%- do rows.append((experiment, variant, metric)) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if not rows %}
    {{ _experiment_definition_row(none, none, none) }}
    where 1 = 0
    {%- endif %}
    {%- for experiment, variant, metric in rows %}
    {{ _experiment_definition_row(experiment, variant, metric) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{% endmacro %}


{% macro _experiment_definition_row(experiment, variant, metric) %}
    {%- set e = experiment or {} -%}
    {%- set v = variant or {} -%}
    {%- set m = metric or {} -%}
    select
        {{ _experiment_literal(e.experiment_key, dbt.type_string()) }} as experiment_key,
        {{ _experiment_literal(e.description, dbt.type_string()) }} as description,
        {{ _experiment_literal(e.owner, dbt.type_string()) }} as owner,
        {{ _experiment_literal(e.start_ds, 'date') }} as start_ds,
        {{ _experiment_literal(e.end_ds, 'date') }} as end_ds,
        {{ _experiment_literal(v.name, dbt.type_string()) }} as variant,
        {{ _experiment_literal(v.is_control, dbt.type_boolean()) }} as is_control,
        {{ _experiment_literal(v.share, type_double()) }} as expected_share,
        {{ _experiment_literal(m.name, dbt.type_string()) }} as metric,
        {{ _experiment_literal(m.label, dbt.type_string()) }} as metric_label,
        {{ _experiment_literal(m.is_guardrail, dbt.type_boolean()) }} as is_guardrail,
        {{ _experiment_literal(m.higher_is_better, dbt.type_boolean()) }} as higher_is_better,
        {{ _experiment_literal(e.alpha, type_double()) }} as alpha,
        {{ _experiment_literal(e.power, type_double()) }} as power,
        {{ _experiment_literal(e.cuped, dbt.type_boolean()) }} as cuped,
        {{ _experiment_literal(e.sequential, dbt.type_boolean()) }} as sequential,
        {{ _experiment_literal(e.sequential_tuning, type_double()) }} as sequential_tuning,
        {{ _experiment_literal(e.correction, dbt.type_string()) }} as correction,
        {{ _experiment_literal(m.capping_type, dbt.type_string()) }} as capping_type,
        {{ _experiment_literal(m.capping_value, type_double()) }} as capping_value,
        {{ _experiment_literal(e.srm_alpha, type_double()) }} as srm_alpha,
        {{ _experiment_literal(e.cuts, dbt.type_string()) }} as cuts
{% endmacro %}


{#- A typed SQL literal of a definition value (null when absent). -#}
{% macro _experiment_literal(value, type) %}
    {%- if value is none or value is undefined -%}
        {{ return('cast(null as ' ~ type ~ ')') }}
    {%- elif value is sameas true or value is sameas false -%}
        {{ return('cast(' ~ ('true' if value else 'false') ~ ' as ' ~ type ~ ')') }}
    {%- elif value is number -%}
        {{ return('cast(' ~ value ~ ' as ' ~ type ~ ')') }}
    {%- endif -%}
    {{ return('cast(' ~ dbt.string_literal(value | replace("'", "''")) ~ ' as ' ~ type ~ ')') }}
{% endmacro %}
