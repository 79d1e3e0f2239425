-- Services whose outlook turned projected_to_miss on the as-of date: projected to miss now,
-- not at the previous as-of date kept for the same year (or none kept), and not alerted for
-- this date yet (audit.outlook_alerts: a rerun of the same date sends nothing again).
with now_missing as (
    select o.service_key, o.institution_code, o.reporting_year, o.as_of_date,
           o.forecast_electronic_users, o.projected_requests, o.projected_requests_p10,
           o.projected_requests_p90, o.months_complete, o.is_synthetic
    from marts.fct_service_year_outlook as o
    where o.as_of_date = %(as_of)s and o.outlook_status = 'projected_to_miss'
),

previous as (
    select distinct on (o.service_key, o.reporting_year)
        o.service_key, o.reporting_year, o.outlook_status
    from marts.fct_service_year_outlook as o
    inner join now_missing as n
        on o.service_key = n.service_key and o.reporting_year = n.reporting_year
    where o.as_of_date < %(as_of)s
    order by o.service_key, o.reporting_year, o.as_of_date desc
)

select n.service_key, n.institution_code, n.reporting_year, n.as_of_date, n.months_complete,
       n.forecast_electronic_users, round(n.projected_requests) as projected_requests,
       round(n.projected_requests_p10) as projected_requests_p10,
       round(n.projected_requests_p90) as projected_requests_p90,
       p.outlook_status as previous_status, n.is_synthetic
from now_missing as n
left join previous as p
    on n.service_key = p.service_key and n.reporting_year = p.reporting_year
where
    coalesce(p.outlook_status, '') <> 'projected_to_miss'
    and not exists (
        select from audit.outlook_alerts as a
        where a.service_key = n.service_key and a.reporting_year = n.reporting_year
            and a.as_of_date = n.as_of_date
    )
order by n.institution_code, n.service_key
