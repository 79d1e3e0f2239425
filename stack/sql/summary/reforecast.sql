-- Re-forecasts of the open window years beside the plan, per institution and year, and how
-- well the institution forecast its closed years (median of the yearly median APE).
select
    r.institution_code,
    r.reporting_year,
    count(*) as services,
    sum(r.forecast_electronic_users) as planned_electronic_users,
    sum(r.reforecast_electronic_requests) as reforecast_electronic_requests,
    (
        select round(100 * percentile_cont(0.5) within group (order by e.electronic_median_ape))
        from marts.fct_institution_forecast_error as e
        where e.institution_code = r.institution_code and e.reporting_year < r.reporting_year
    ) as past_forecast_error_pct
from marts.fct_service_reforecast as r
group by r.institution_code, r.reporting_year
order by r.institution_code, r.reporting_year
