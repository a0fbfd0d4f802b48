{#-
    Root folder of the landing zone: var raw_root, else $WAREHOUSE_RAW_ROOT,
    else var landing_root_default (data/raw). It is pasted into SQL
    strings, so it is validated here.
-#}
{% macro landing_root() %}
    {%- set root = var('raw_root', env_var('WAREHOUSE_RAW_ROOT', var('landing_root_default'))) | string -%}
    {%- if root | trim == '' or modules.re.search("['\\\\*?\\[\\]{}\\x00-\\x1f]", root) -%}
        {{ exceptions.raise_compiler_error(
            "raw_root '" ~ root ~ "' is not a usable folder path: "
            ~ "it is empty or holds a quote, backslash, glob or control character."
        ) }}
    {%- endif -%}
    {{ return(root.rstrip('/')) }}
{% endmacro %}
