{#- The date statuses are computed as of: the DBT_AS_OF_DATE environment variable, which
    ingest.transform sets for every invocation (the run's date in Riga; empty when it has
    none), else var('as_of_date') (dbt_project.yml's fallback, for `dbt build` by hand). Unit
    tests override the environment variable. An environment variable and not a --vars value:
    dbt re-parses the whole project whenever --vars differ from its last invocation's, and the
    date changes every night (and with every backfilled year); a changed environment variable
    re-parses only the models that read it. -#}
{% macro as_of_date() -%}
    {%- set value = env_var("DBT_AS_OF_DATE", "") -%}
    {{- return(value if value else var("as_of_date")) -}}
{%- endmacro %}
