{{ config(materialized="table") }}
-- Electronic requests per planned service and month, all electronic sub-channels together:
-- the early-warning outlook's input (from the portal statistics in fct_service_month). A
-- table, not a view: a view would pin fct_service_month's column types (ALTER fails).
with

service_months as (
    select * from {{ ref('fct_service_month') }}
    where service_key is not null
),

final as (
    select
        service_key || '-' || to_char(period_month, 'YYYY-MM') as service_month_id,
        service_key,
        institution_code,
        period_year,
        extract(month from period_month)::integer as month_no,
        sum(request_count)::bigint as requests,
        bool_or(is_synthetic) as is_synthetic
    from service_months
    group by service_key, institution_code, period_month, period_year
)

select * from final
