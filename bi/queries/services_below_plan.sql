-- Which e-services were below plan in a year, and by how much? (edit the year)
select
    s.service_key,
    s.service_name_lv,
    f.forecast_electronic_users,
    f.actual_electronic_requests,
    f.electronic_variance,
    round(f.electronic_attainment, 2) as electronic_attainment
from marts.fct_service_year as f
inner join marts.dim_service as s using (service_key)
where f.reporting_year = 2016
  and f.electronic_status = 'below_plan'
order by f.electronic_attainment, s.service_key
