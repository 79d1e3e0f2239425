-- Portal requests per institution, portal code, month and sub-channel: the one model that reads
-- every raw portal row, so that everything downstream reads months, not days (a national
-- daily year is 2.4 M raw rows, ~140 k monthly ones).
--
-- Incremental like fct_service_month: a run re-aggregates only the months that portal batches
-- finished after this table's watermark (re)loaded (audit.portal_batch_periods), by
-- delete+insert on period_month. The raw rows of those months are read by a period_start range,
-- so PostgreSQL reads only the yearly partitions concerned: a nightly day's file costs the same
-- with one year or ten loaded. `dbt build --full-refresh` re-aggregates everything.
-- Where an export gives both monthly and daily rows for a month, both sums are kept; the
-- matching model decides (the monthly figure wins).
-- depends_on: {{ ref('stg_audit__portal_batch_periods') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='period_month',
        on_schema_change='fail',
        indexes=[{'columns': ['period_month']}, {'columns': ['portal_service_code']}],
    )
}}

with

requests as (
    select * from {{ ref('stg_portal__requests') }}
),

batches as (
    select * from {{ ref('stg_audit__load_batches') }}
),

watermarks as (
    select max(finished_at) as portal_batches_through
    from batches
    where loader = 'portal.requests' and batch_status = 'succeeded'
),

{% if is_incremental() %}
    batch_periods as (
        select * from {{ ref('stg_audit__portal_batch_periods') }}
    ),

    previous as (
        select coalesce(max(portal_batches_through), '-infinity') as portal_batches_through
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
    ),

    selected as (
        select requests.*
        from requests
        where
            -- a range on the partition key (pruned at run time), then the exact months
            requests.period_start >= (select min(m.period_month) from months_to_build as m)
            and requests.period_start
            < (select max(m.period_month) from months_to_build as m) + interval '1 month'
            and requests.period_month = any(array(select m.period_month from months_to_build as m))
    ),
{% else %}
    selected as (
        select * from requests
    ),
{% endif %}

monthly as (
    select
        institution_code,
        portal_service_code,
        period_month,
        channel,
        bool_or(period_grain = 'month') as has_monthly_row,
        sum(request_count) filter (where period_grain = 'month')::bigint as monthly_requests,
        sum(request_count) filter (where period_grain = 'day')::bigint as daily_requests,
        count(*) as raw_rows,
        max(portal_service_name) as portal_service_name,
        bool_or(is_synthetic) as is_synthetic
    from selected
    group by institution_code, portal_service_code, period_month, channel
),

final as (
    select
        monthly.institution_code || '|' || monthly.portal_service_code || '|'
        || monthly.period_month || '|' || monthly.channel as portal_month_channel_id,
        monthly.*,
        watermarks.portal_batches_through
    from monthly
    cross join watermarks
)

select * from final
