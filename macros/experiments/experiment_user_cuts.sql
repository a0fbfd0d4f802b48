{#-
    Each analysed user's cut values per ds (ds, experiment_key, id_user,
    cut_name, cut_value): 'all', and each cut the experiment declares, valued
    as of the user's first exposure (the platform of that exposure, or a
    user attribute from its type-2 history on first_exposure_ds), so a
    user's cut never changes once exposed. `experiments` is written by
    `stayhub experiments generate`: [{experiment_key, cuts: [{name,
    relation, key, column, valid_from, valid_to}]}].
-#}
{% macro experiment_user_cuts(experiments) %}
    with

    assignments as (
        select
            ds,
            experiment_key,
            id_user,
            first_exposure_ds,
            dim_platform
        from {{ ref('exp_assignments') }}
        where {{ ds_in_window('ds', partition_lookback_days()) }} and not is_contaminated
    ),

    final as (
        select
            ds,
            experiment_key,
            id_user,
            cast('all' as {{ dbt.type_string() }}) as cut_name,
            cast('all' as {{ dbt.type_string() }}) as cut_value
        from assignments
        {%- for experiment in experiments %}
        {%- for cut in experiment.cuts %}
        union all
        select
            assignments.ds,
            assignments.experiment_key,
            assignments.id_user,
            cast({{ dbt.string_literal(cut.name) }} as {{ dbt.type_string() }}) as cut_name,
            {%- if cut.relation is not defined %}
            coalesce(cast(assignments.dim_platform as {{ dbt.type_string() }}), '(unknown)') as cut_value
        from assignments
            {%- else %}
            coalesce(cast(history.{{ cut.column }} as {{ dbt.type_string() }}), '(unknown)') as cut_value
        from assignments
        {{- history_as_of_join(
            cut.relation, 'history', {cut.column: cut.column}, cut.key,
            foreign_key='assignments.id_user', as_of='assignments.first_exposure_ds', valid_from=cut.valid_from, valid_to=cut.valid_to,
        ) }}
            {%- endif %}
        where assignments.experiment_key = {{ dbt.string_literal(experiment.experiment_key) }}
        {%- endfor %}
        {%- endfor %}
    )

    select * from final
{% endmacro %}
