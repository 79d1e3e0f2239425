-- One institution's channel mix for one year (dbt: exports.export_service_year_channels).
select
    service_year_channel_id,
    institution_code,
    reporting_year,
    service_key,
    channel_group,
    channel,
    sort_order,
    count_state,
    requests,
    reported_total_users,
    share_of_total,
    is_synthetic
from exports.export_service_year_channels
where institution_code = %(institution)s
  and reporting_year = %(year)s
order by service_no, service_key, sort_order
