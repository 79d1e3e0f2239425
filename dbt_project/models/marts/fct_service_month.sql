-- Portal trend: electronic requests per service, month and sub-channel (all portal rows,
-- including codes that match no planned service, whose service_key is NULL).
--
-- Incremental: a nightly run rebuilds only the months the portal loader (re)loaded since the
-- last build (audit.portal_batch_periods), by delete+insert on period_month. Each row keeps the
-- watermarks it was built from; when a newer plan was accepted (a service may have gained a
-- portal code) every month is rebuilt. `dbt build --full-refresh` rebuilds everything.
-- Loads and this build are serialised by the Airflow asset schedule (warehouse_transform runs
-- after the load DAG's run finished), so a batch never commits behind the watermark.
-- depends_on: {{ ref('stg_audit__portal_batch_periods') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period_month',
        on_schema_change='fail',
        indexes=[{'columns': ['period_month']}, {'columns': ['service_key']}],
    )
}}

with

requests as (
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

    months_to_build as (
        select distinct batch_periods.period_month
        from batch_periods
        inner join batches
            on batch_periods.batch_id = batches.batch_id
        cross join previous
        where
            batches.batch_status = 'succeeded'
            and batches.finished_at > previous.portal_batches_through
        union
        -- every month when a newer plan was accepted; the condition is a one-time filter (scalar
        -- subqueries), so on other nights the months are not even listed
        select distinct requests.period_month
        from requests
        where
            (select w.plans_loaded_through from watermarks as w)
            > (select p.plans_loaded_through from previous as p)
    ),

    selected as (
        select requests.*
        from requests
        where requests.period_month = any(array(select m.period_month from months_to_build as m))
    ),
{% else %}
    selected as (
        select * from requests
    ),
{% endif %}

with_totals as (
    select
        selected.*,
        sum(selected.request_count) over (
            partition by selected.institution_code, selected.portal_service_code, selected.period_month
        ) as month_requests_all_channels
    from selected
),

final as (
    select
        with_totals.service_month_channel_id,
        with_totals.service_key,
        with_totals.institution_code,
        with_totals.portal_service_code,
        with_totals.portal_service_name,
        with_totals.period_month,
        with_totals.period_year,
        with_totals.channel,
        with_totals.request_count,
        with_totals.month_requests_all_channels,
        {{ safe_ratio('with_totals.request_count', 'with_totals.month_requests_all_channels') }}
            as channel_share_of_month,
        with_totals.is_synthetic_code,
        with_totals.is_synthetic,
        watermarks.portal_batches_through,
        watermarks.plans_loaded_through
    from with_totals
    cross join watermarks
)

select * from final
