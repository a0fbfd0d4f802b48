{#-
    With --vars '{publish_mode: microbatch}', inside one batch of dbt's
    microbatch strategy (model.batch, dbt 1.9+): the batch as a ds window,
    {'start_ds': 'YYYY-MM-DD', 'end_ds': 'YYYY-MM-DD'}, one ds with
    batch_size day (dbt's event_time_end is exclusive), once the model is
    known to be one microbatch can build. Else none: the vars contract
    applies (other publish modes, on-run-start, dbt compile).
-#}
{% macro microbatch_batch_window() %}
    {%- if publish_mode() != 'microbatch' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set batch = (model or {}).get('batch') -%}
    {%- if not batch -%}
        {{ return(none) }}
    {%- endif -%}
    {%- do assert_microbatch_compatible([model]) -%}
    {%- set first_day = _batch_bound_date(batch.event_time_start) -%}
    {%- set day_after = _batch_bound_date(batch.event_time_end) -%}
    {{ return({
        'start_ds': first_day.isoformat(),
        'end_ds': (day_after - modules.datetime.timedelta(days=1)).isoformat(),
    }) }}
{% endmacro %}


{#- A batch bound (a datetime, or its ISO text) as a date; it must fall on midnight UTC. -#}
{% macro _batch_bound_date(bound) %}
    {%- set moment = modules.datetime.datetime.fromisoformat(bound | string) -%}
    {%- if moment.time() != modules.datetime.time(0, 0) -%}
        {{ exceptions.raise_compiler_error(
            model.name ~ ": a microbatch batch must cover whole days (batch_size day), got a batch bound at " ~ bound
        ) }}
    {%- endif -%}
    {{ return(moment.date()) }}
{% endmacro %}
