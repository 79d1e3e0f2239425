-- An institution's electronic use over the monitoring window, against its plan.
select
    reporting_year,
    reported_services,
    actual_total_users,
    actual_electronic_requests,
    portal_electronic_requests,
    round(electronic_share * 100, 1) as electronic_share_pct,
    round(forecast_electronic_share * 100, 1) as forecast_electronic_share_pct,
    round(electronic_growth_vs_base_reported * 100, 1) as growth_vs_base_pct
from marts.fct_institution_year
where institution_code = 'VDI'
order by reporting_year
