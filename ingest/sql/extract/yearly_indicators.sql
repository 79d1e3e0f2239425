-- The yearly extract candidate: one institution's indicators for one reporting year, exactly
-- as they would leave the warehouse (unrounded; ratios as numeric text).
select
    f.institution_code,
    f.reporting_year,
    f.service_key,
    s.service_no,
    s.service_name_lv,
    s.portal_service_code,
    f.forecast_total_users,
    f.forecast_electronic_users,
    f.actual_total_users,
    f.actual_electronic_requests,
    f.actual_other_channel_requests,
    f.forecast_electronic_share,
    f.electronic_share,
    f.total_attainment,
    f.electronic_attainment,
    f.total_variance,
    f.electronic_variance,
    f.is_synthetic
from marts.fct_service_year as f
inner join marts.dim_service as s
    on f.service_key = s.service_key
where f.institution_code = %(institution)s
  and f.reporting_year = %(year)s
order by s.service_no, f.service_key
