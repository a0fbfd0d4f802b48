{#-
    How partitioned models publish: var publish_mode, stage_check_exchange
    (production, the default), direct or microbatch. dbt_project.yml cannot
    call a macro, so its configs spell the same expression; a test keeps
    their default equal to this one.
-#}
{% macro publish_mode() %}
    {{ return(var('publish_mode', 'stage_check_exchange')) }}
{% endmacro %}
