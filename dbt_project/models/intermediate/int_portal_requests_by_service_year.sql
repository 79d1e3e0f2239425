-- Portal electronic requests per planned service and calendar year, all sub-channels.
--
-- Incremental, like the monthly models: a run re-aggregates only the years whose months portal
-- batches (re)loaded since this table's watermark (delete+insert on period_year), and every
-- year when a newer plan was accepted (a service may have gained a portal code). So a night
-- reads one year's months, not the whole history. `dbt build --full-refresh` rebuilds all.
-- depends_on: {{ ref('stg_audit__portal_batch_periods') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period_year',
        on_schema_change='fail',
        indexes=[{'columns': ['period_year']}],
    )
}}

with

matched as (
    select * from {{ ref('int_portal_requests_matched_to_services') }}
),

batches as (
    select * from {{ ref('stg_audit__load_batches') }}
),

plans as (
    select * from {{ ref('int_plan_services_latest') }}
),

watermarks as (
    select
        (
            select max(finished_at)
            from batches
            where loader = 'portal.requests' and batch_status = 'succeeded'
        ) as portal_batches_through,
        (select max(loaded_at) from plans) as plans_loaded_through
),

{% if is_incremental() %}
    batch_periods as (
        select * from {{ ref('stg_audit__portal_batch_periods') }}
    ),

    previous as (
        select
            coalesce(max(portal_batches_through), '-infinity') as portal_batches_through,
            coalesce(max(plans_loaded_through), '-infinity') as plans_loaded_through
        from {{ this }}
    ),

    years_to_build as (
        select distinct extract(year from batch_periods.period_month)::integer as period_year
        from batch_periods
        inner join batches
            on batch_periods.batch_id = batches.batch_id
        where
            batches.batch_status = 'succeeded'
            and batches.finished_at > (select p.portal_batches_through from previous as p)
        union
        -- every year when a newer plan was accepted (a one-time filter on other nights)
        select distinct matched.period_year
        from matched
        where
            (select w.plans_loaded_through from watermarks as w)
            > (select p.plans_loaded_through from previous as p)
    ),

    selected as (
        select matched.*
        from matched
        where matched.period_year = any(array(select y.period_year from years_to_build as y))
    ),
{% else %}
    selected as (
        select * from matched
    ),
{% endif %}

final as (
    select
        selected.service_key || '-' || selected.period_year as service_year_id,
        selected.service_key,
        selected.period_year,
        sum(selected.request_count)::bigint as portal_electronic_requests,
        count(distinct selected.period_month) as months_with_data,
        bool_or(selected.is_synthetic) as is_synthetic,
        max(watermarks.portal_batches_through) as portal_batches_through,
        max(watermarks.plans_loaded_through) as plans_loaded_through
    from selected
    cross join watermarks
    where selected.service_key is not null
    group by selected.service_key, selected.period_year
)

select * from final
