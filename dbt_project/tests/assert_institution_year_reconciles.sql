-- Every institution-year figure equals the sum of its services (a roll-up never drifts).
with services as (
    select
        institution_code,
        reporting_year,
        count(*) as planned_services,
        sum(forecast_total_users) as forecast_total_users,
        sum(forecast_electronic_users) as forecast_electronic_users,
        sum(actual_total_users) as actual_total_users,
        sum(actual_electronic_requests) as actual_electronic_requests,
        sum(portal_electronic_requests) as portal_electronic_requests
    from {{ ref('fct_service_year') }}
    group by institution_code, reporting_year
)

select
    i.institution_code,
    i.reporting_year
from {{ ref('fct_institution_year') }} as i
full outer join services as s
    on
        i.institution_code = s.institution_code
        and i.reporting_year = s.reporting_year
where
    i.institution_code is null
    or s.institution_code is null
    or i.planned_services is distinct from s.planned_services
    or i.forecast_total_users is distinct from s.forecast_total_users
    or i.forecast_electronic_users is distinct from s.forecast_electronic_users
    or i.actual_total_users is distinct from s.actual_total_users
    or i.actual_electronic_requests is distinct from s.actual_electronic_requests
    or i.portal_electronic_requests is distinct from s.portal_electronic_requests
    or i.electronic_share is distinct from trim_scale(
        s.actual_electronic_requests::numeric / nullif(s.actual_total_users, 0)
    )
