-- Portal trend: electronic requests per service and month, by sub-channel, services in Latvian
-- alphabetical order (edit the institution and the years).
select
    s.service_name_lv,
    m.service_key,
    m.period_month,
    sum(m.request_count) filter (where m.channel = 'portal') as via_latvija_lv,
    sum(m.request_count) filter (where m.channel = 'institution_website') as via_website,
    sum(m.request_count) filter (where m.channel = 'api_e_address') as via_api_e_address,
    sum(m.request_count) as electronic_requests,
    bool_or(m.is_synthetic) as is_synthetic
from marts.fct_service_month as m
inner join marts.dim_service as s using (service_key)
where m.institution_code = 'VDI'
  and m.period_year between 2016 and 2018
group by s.service_name_sort_lv, s.service_name_lv, m.service_key, m.period_month
order by s.service_name_sort_lv, s.service_name_lv, m.period_month
