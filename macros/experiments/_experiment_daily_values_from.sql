{#-
    The first ds of exp_user_daily_metrics that exp_user_metrics must read
    for its window: the window's first ds, or pre_period_days before the
    earliest first exposure of a user the partition before the window does
    not carry (a new user, or all of them on a first build).
-#}
{% macro _experiment_daily_values_from(first_ds, last_ds, seed_ds, has_seed, pre_period_days) %}
    {%- if not execute -%}
        {{ return(first_ds) }}
    {%- endif -%}
    {%- set query -%}
        select min(assignments.first_exposure_ds)
        from {{ ref('exp_assignments') }} as assignments
        where
            assignments.ds between {{ ds_literal(first_ds) }} and {{ ds_literal(last_ds) }}
            and not assignments.is_contaminated
            {%- if has_seed %}
            and not exists (
                select 1
                from {{ this }} as seed
                where
                    seed.ds = {{ ds_literal(seed_ds) }}
                    and seed.experiment_key = assignments.experiment_key
                    and seed.id_user = assignments.id_user
                    and seed.first_exposure_ds = assignments.first_exposure_ds
            )
            {%- endif %}
    {%- endset -%}
    {%- set earliest = run_query(query).columns[0].values()[0] -%}
    {%- if earliest is none -%}
        {{ return(first_ds) }}
    {%- endif -%}
    {%- set from_ds = ds_shift(earliest | string, -pre_period_days) -%}
    {{ return(from_ds if from_ds < first_ds else first_ds) }}
{% endmacro %}
