-- The channel mix of one institution's year, as it leaves the warehouse: every channel of the
-- domain hierarchy per service; not_provided parts without a number, the rest as not_split.
select
    m.service_year_channel_id,
    m.institution_code,
    m.reporting_year,
    m.service_key,
    m.channel_group,
    m.channel,
    m.sort_order,
    m.count_state,
    m.requests,
    m.reported_total_users,
    m.share_of_total,
    m.is_synthetic
from marts.fct_channel_mix as m
inner join marts.dim_service as s
    on m.service_key = s.service_key
where m.institution_code = %(institution)s
  and m.reporting_year = %(year)s
order by s.service_no, m.service_key, m.sort_order
