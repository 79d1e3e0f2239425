{#- The date the early-warning outlook is computed as of: DBT_OUTLOOK_AS_OF_DATE when set
    (`make run` sets a mid-year date of the last demo year, so the demo shows an open year),
    else the as-of date of the statuses (macros/as_of_date.sql). Never now(). -#}
{% macro outlook_as_of_date() -%}
    {%- set value = env_var("DBT_OUTLOOK_AS_OF_DATE", "") -%}
    {{- return(value if value else as_of_date()) -}}
{%- endmacro %}
