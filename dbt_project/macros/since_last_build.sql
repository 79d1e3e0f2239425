{#
    Tests of models over the portal history check what changed since the last successful build,
    not every row of ten years, each night (issue 13: a nightly run's cost must not grow with
    history). A test opts in with a placeholder in its `where` config:

        config: {where: "__portal_periods_since_last_build__"}   (rows with period_start)
        config: {where: "__portal_months_since_last_build__"}    (rows with period_month)

    and this override of dbt's get_where_subquery swaps the placeholder for a condition on
    audit.portal_periods_since_last_build (migration 0010: the periods of load batches that
    finished after the last build's raw watermark; every period before the first build). The
    min / max bounds let PostgreSQL prune the yearly raw partitions at run time.
    `dbt build --full-refresh` tests everything.
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set where = where
            | replace('__portal_periods_since_last_build__', portal_periods_since_last_build())
            | replace('__portal_months_since_last_build__', portal_months_since_last_build()) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{% macro portal_periods_since_last_build() -%}
    {%- if flags.FULL_REFRESH -%}
        true
    {%- else -%}
        {%- set changed = source('audit', 'portal_periods_since_last_build') -%}
        period_start >= (select min(c.period_start) from {{ changed }} as c)
        and period_start <= (select max(c.period_start) from {{ changed }} as c)
        and (institution_code, period_grain, period_start) in (
            select c.institution_code, c.period_grain, c.period_start from {{ changed }} as c
        )
    {%- endif -%}
{%- endmacro %}

{% macro portal_months_since_last_build() -%}
    {%- if flags.FULL_REFRESH -%}
        true
    {%- else -%}
        {%- set changed = source('audit', 'portal_periods_since_last_build') -%}
        {#- an array, not IN (subquery): a scalar condition is pushed into views (an index scan
            on period_month) where a semi-join would be applied after computing every row -#}
        period_month = any(array(
            select distinct date_trunc('month', c.period_start)::date from {{ changed }} as c
        ))
    {%- endif -%}
{%- endmacro %}
