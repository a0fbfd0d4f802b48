{#-
    An ISO-8601 text with an offset or Z as a UTC timestamp; null when it has
    no offset, an offset outside -18:00 .. +18:00, or does not parse.
-#}
{% macro parse_iso8601_utc(expr) %}
    {{- return(adapter.dispatch('parse_iso8601_utc')(expr)) -}}
{% endmacro %}

{% macro _iso8601_with_offset_pattern() -%}
    ^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]+)?)?(Z|z|[+-]((0[0-9]|1[0-7])(:?[0-5][0-9])?|18(:?00)?))$
{%- endmacro %}

{% macro default__parse_iso8601_utc(expr) -%}
    case
        when {{ regexp_like(expr, _iso8601_with_offset_pattern()) }}
            then cast(from_iso8601_timestamp({{ expr }}) at time zone 'UTC' as timestamp)
    end
{%- endmacro %}

{% macro duckdb__parse_iso8601_utc(expr) -%}
    case
        when {{ regexp_like(expr, _iso8601_with_offset_pattern()) }}
            then timezone('UTC', try_cast({{ expr }} as timestamptz))
    end
{%- endmacro %}

{% macro spark__parse_iso8601_utc(expr) -%}
    case
        when {{ regexp_like(expr, _iso8601_with_offset_pattern()) }}
            then to_utc_timestamp(try_cast({{ expr }} as timestamp), current_timezone())
    end
{%- endmacro %}
