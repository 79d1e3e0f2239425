-- The early-warning outlook of one as-of date, per service (marts.fct_service_year_outlook),
-- with the re-forecast of the same year beside it: the provisional report's main table.
-- Worst first: projected to miss, at risk, then the rest; within a status by projection /
-- forecast.
select
    o.institution_code,
    coalesce(i.institution_name_lv, o.institution_code) as institution_name_lv,
    o.service_key,
    s.service_name_lv,
    o.reporting_year,
    o.as_of_date,
    o.months_complete,
    o.forecast_electronic_users,
    o.ytd_requests,
    round(o.projected_requests) as projected_requests,
    round(o.projected_requests_p10) as projected_requests_p10,
    round(o.projected_requests_p90) as projected_requests_p90,
    o.profile_scope,
    o.outlook_status,
    r.reforecast_electronic_requests,
    r.reforecast_electronic_low,
    r.reforecast_electronic_high,
    o.is_synthetic
from marts.fct_service_year_outlook as o
inner join marts.dim_service as s on o.service_key = s.service_key
left join marts.dim_institution as i on o.institution_code = i.institution_code
left join marts.fct_service_reforecast as r
    on o.service_key = r.service_key and o.reporting_year = r.reporting_year
where o.as_of_date = %(as_of)s
order by
    o.institution_code,
    case o.outlook_status
        when 'projected_to_miss' then 0 when 'at_risk' then 1 when 'too_early' then 2
        when 'no_forecast' then 3 else 4
    end,
    o.projected_requests / nullif(o.forecast_electronic_users, 0),
    o.service_key
