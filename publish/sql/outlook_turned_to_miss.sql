-- Services to alert on the as-of date: projected_to_miss now, and no alert recorded
-- (audit.outlook_alerts) for the service and year since its last as-of date with another
-- status: one alert per turn. A rerun of the date, or a later night on which it stays
-- projected to miss, sends nothing again; an alert that could not be sent is sent next time.
with now_missing as (
    select o.service_key, o.institution_code, o.reporting_year, o.as_of_date,
           o.forecast_electronic_users, o.projected_requests, o.projected_requests_p10,
           o.projected_requests_p90, o.months_complete, o.is_synthetic
    from marts.fct_service_year_outlook as o
    where o.as_of_date = %(as_of)s and o.outlook_status = 'projected_to_miss'
),

history as (
    select
        o.service_key,
        o.reporting_year,
        max(o.as_of_date) filter (where o.outlook_status <> 'projected_to_miss')
            as last_other_status_date,
        (array_agg(o.outlook_status order by o.as_of_date desc))[1] as previous_status
    from marts.fct_service_year_outlook as o
    inner join now_missing as n
        on o.service_key = n.service_key and o.reporting_year = n.reporting_year
    where o.as_of_date < %(as_of)s
    group by o.service_key, o.reporting_year
)

select n.service_key, n.institution_code, n.reporting_year, n.as_of_date, n.months_complete,
       n.forecast_electronic_users, round(n.projected_requests) as projected_requests,
       round(n.projected_requests_p10) as projected_requests_p10,
       round(n.projected_requests_p90) as projected_requests_p90,
       h.previous_status, n.is_synthetic
from now_missing as n
left join history as h
    on n.service_key = h.service_key and n.reporting_year = h.reporting_year
where not exists (
    select from audit.outlook_alerts as a
    where a.service_key = n.service_key and a.reporting_year = n.reporting_year
        and a.as_of_date > coalesce(h.last_other_status_date, '-infinity'::date)
        and a.as_of_date <= n.as_of_date
)
order by n.institution_code, n.service_key
