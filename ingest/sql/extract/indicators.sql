-- The yearly extract candidate: one institution's indicators for one reporting year, exactly
-- as they would leave the warehouse (unrounded; ratios as numeric). Besides the indicators it
-- carries the figures the gate checks them against: the service's monitoring window, the
-- portal's count, the channel parts (summed only where every part is provided) and the
-- previous year's reported figures.
with

channel_parts as (
    select
        service_key,
        reporting_year,
        -- Every part given (a number, or not_applicable = the channel does not exist).
        bool_and(count_state in ('value', 'not_applicable')) as all_parts_provided,
        sum(requests) filter (where count_state = 'value') as parts_sum
    from marts.fct_channel_mix
    where institution_code = %(institution)s
      and reporting_year = %(year)s
      and channel <> 'not_split'
    group by service_key, reporting_year
),

previous_year as (
    select
        service_key,
        actual_total_users,
        actual_electronic_requests
    from marts.fct_service_year
    where institution_code = %(institution)s
      and reporting_year = %(year)s - 1
)

select
    f.institution_code,
    f.reporting_year,
    f.service_key,
    s.service_no,
    s.service_name_lv,
    s.portal_service_code,
    s.base_year,
    s.window_last_year,
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
    f.electronic_growth_vs_base,
    f.electronic_status,
    f.portal_electronic_requests,
    f.electronic_reported_minus_portal,
    -- |reported - portal| / portal (a portal count of 0 counts as 1).
    trim_scale(
        abs(f.electronic_reported_minus_portal)::numeric
        / greatest(f.portal_electronic_requests, 1)
    ) as electronic_deviation_from_portal,
    case when c.all_parts_provided then c.parts_sum end as channel_parts_sum,
    p.actual_total_users as previous_year_total_users,
    p.actual_electronic_requests as previous_year_electronic_requests,
    -- How many times larger the bigger of this and last year's figure is (NULL if either is 0).
    trim_scale(
        greatest(f.actual_total_users, p.actual_total_users)::numeric
        / nullif(least(f.actual_total_users, p.actual_total_users), 0)
    ) as total_users_yoy_factor,
    trim_scale(
        greatest(f.actual_electronic_requests, p.actual_electronic_requests)::numeric
        / nullif(least(f.actual_electronic_requests, p.actual_electronic_requests), 0)
    ) as electronic_yoy_factor,
    f.is_synthetic,
    f.portal_is_synthetic
from marts.fct_service_year as f
inner join marts.dim_service as s
    on f.service_key = s.service_key
left join channel_parts as c
    on f.service_key = c.service_key
left join previous_year as p
    on f.service_key = p.service_key
where f.institution_code = %(institution)s
  and f.reporting_year = %(year)s
order by s.service_no, f.service_key
