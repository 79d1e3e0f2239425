{#- Use the folder's schema (staging, intermediate, marts) as is, not <target>_<schema>:
    BI tools and the read-only role address the marts by a stable schema name. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
