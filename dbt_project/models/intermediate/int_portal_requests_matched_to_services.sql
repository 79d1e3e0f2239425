-- Portal requests per service key and month, from the monthly aggregate (never raw days).
-- A portal code matches a planned service by its real code, or by the visibly synthetic code
-- '<prefix><service_key>' invented for services whose real code is unknown. Rows of codes that
-- match no service keep a NULL service_key.
-- Where an export gives both monthly and daily rows for the same month, the monthly figure wins
-- (summing both would count the month twice).
with

monthly as (
    select * from {{ ref('int_portal_requests_monthly') }}
),

services as (
    select * from {{ ref('int_plan_services_latest') }}
),

codes as (
    select
        service_key,
        portal_service_code,
        false as is_synthetic_code
    from services
    where portal_service_code is not null
    union all
    select
        service_key,
        '{{ var("synthetic_code_prefix") }}' || service_key as portal_service_code,
        true as is_synthetic_code
    from services
    -- a plan may declare the invented code itself: then it matches once, as declared
    where
        portal_service_code is distinct from '{{ var("synthetic_code_prefix") }}' || service_key
),

final as (
    select
        monthly.institution_code || '|' || monthly.portal_service_code || '|'
        || monthly.period_month || '|' || monthly.channel as service_month_channel_id,
        codes.service_key,
        monthly.institution_code,
        monthly.portal_service_code,
        monthly.portal_service_name,
        monthly.period_month,
        extract(year from monthly.period_month)::integer as period_year,
        monthly.channel,
        case
            when monthly.has_monthly_row then monthly.monthly_requests
            else monthly.daily_requests
        end as request_count,
        coalesce(codes.is_synthetic_code, false) as is_synthetic_code,
        monthly.is_synthetic
    from monthly
    left join codes
        on monthly.portal_service_code = codes.portal_service_code
)

select * from final
