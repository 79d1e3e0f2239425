-- Roll-up per institution and monitoring-window year. Ratios come from sums (Σ actual /
-- Σ forecast), never from averaging service ratios; every sum equals the sum of the
-- institution's rows in fct_service_year (tests/assert_institution_year_reconciles.sql).
with

services as (
    select * from {{ ref('fct_service_year') }}
),

sums as (
    select
        institution_code,
        reporting_year,
        min(base_year) as base_year,
        count(*) as planned_services,
        count(actual_electronic_requests) as reported_services,
        sum(forecast_total_users) as forecast_total_users,
        sum(forecast_electronic_users) as forecast_electronic_users,
        sum(actual_total_users) as actual_total_users,
        sum(actual_electronic_requests) as actual_electronic_requests,
        sum(portal_electronic_requests) as portal_electronic_requests,
        -- Forecasts of the services that reported: the fair denominator of attainment.
        sum(forecast_total_users) filter (where actual_total_users is not null)
            as forecast_total_users_of_reported,
        sum(forecast_electronic_users) filter (where actual_electronic_requests is not null)
            as forecast_electronic_users_of_reported,
        count(*) filter (where electronic_status = 'met') as services_met,
        count(*) filter (where electronic_status = 'below_plan') as services_below_plan,
        count(*) filter (where is_warranted_e_service) as warranted_services,
        bool_or(is_synthetic) as is_synthetic,
        bool_or(portal_is_synthetic) as portal_is_synthetic
    from services
    group by institution_code, reporting_year
),

base as (
    select
        institution_code,
        actual_electronic_requests as base_electronic_requests
    from sums
    where reporting_year = base_year
),

final as (
    select
        sums.institution_code || '-' || sums.reporting_year as institution_year_id,
        sums.*,
        {{ safe_ratio('sums.actual_electronic_requests', 'sums.actual_total_users') }}
            as electronic_share,
        {{ safe_ratio('sums.forecast_electronic_users', 'sums.forecast_total_users') }}
            as forecast_electronic_share,
        {{ safe_ratio('sums.actual_total_users', 'sums.forecast_total_users_of_reported') }}
            as total_attainment,
        {{ safe_ratio('sums.actual_electronic_requests', 'sums.forecast_electronic_users_of_reported') }}
            as electronic_attainment,
        {{ safe_ratio('sums.actual_electronic_requests', 'base.base_electronic_requests') }} - 1
            as electronic_growth_vs_base_reported
    from sums
    left join base
        on sums.institution_code = base.institution_code
)

select * from final
