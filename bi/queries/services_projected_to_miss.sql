-- Which e-services are projected to miss their plan this year? The latest early-warning
-- outlook (portal months so far, projected electronic requests with an 80 % interval) of every
-- service not on track, worst first. Projections count requests, forecasts users.
select
    o.service_key,
    s.service_name_lv,
    o.reporting_year,
    o.as_of_date,
    o.months_complete,
    o.forecast_electronic_users,
    round(o.projected_requests) as projected_requests,
    round(o.projected_requests_p10) as projected_low,
    round(o.projected_requests_p90) as projected_high,
    o.outlook_status
from marts.fct_service_year_outlook as o
inner join marts.dim_service as s on o.service_key = s.service_key
where
    o.as_of_date = (select max(as_of_date) from marts.fct_service_year_outlook)
    and o.outlook_status in ('projected_to_miss', 'at_risk')
order by
    o.outlook_status desc,
    o.projected_requests / nullif(o.forecast_electronic_users, 0),
    o.service_key
