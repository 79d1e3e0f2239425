-- The yearly extract's indicators: one row per planned service and monitoring-window year,
-- exactly as they leave the warehouse (unrounded; ratios as numeric). Besides the indicators
-- each row carries what the annual gate checks them against: the monitoring window, the
-- portal's count and the deviation from it, the channel parts (summed only where every part
-- is provided) and the previous year's reported figures with the year-on-year factors.
-- Provenance: a row's own figures are real or synthetic (is_synthetic); a figure derived from
-- another input (the previous year, the base year, the portal) carries that input's flag, so
-- a real year stays real and its demo-derived figures are marked as such.
-- Decisions: the gap to the forecast and the rank among the institution-year's below-plan
-- services (largest gap first), with the planned and carried-out promotion activities.
with

service_years as (
    select * from {{ ref('fct_service_year') }}
),

services as (
    select * from {{ ref('dim_service') }}
),

submissions as (
    select * from {{ ref('int_submissions_latest_version') }}
),

channel_parts as (
    select
        service_key,
        reporting_year,
        -- Every part given (a number, or not_applicable = the channel does not exist).
        bool_and(count_state in ('value', 'not_applicable')) as all_parts_provided,
        sum(requests) filter (where count_state = 'value') as parts_sum
    from {{ ref('fct_channel_mix') }}
    where channel <> 'not_split'
    group by service_key, reporting_year
),

final as (
    select
        f.service_year_id,
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
        f.growth_source,
        f.electronic_status,
        -- Requests short of the forecast (0 when met); NULL without both figures (greatest()
        -- skips NULLs: it would say 0, "met").
        case
            when
                f.forecast_electronic_users is not null
                and f.actual_electronic_requests is not null
                then greatest(f.forecast_electronic_users - f.actual_electronic_requests, 0)
        end as electronic_gap,
        case
            when f.electronic_status = 'below_plan'
                then
                    row_number() over (
                        partition by f.institution_code, f.reporting_year, f.electronic_status
                        order by
                            f.forecast_electronic_users - f.actual_electronic_requests desc,
                            s.service_no asc
                    )
        end as below_plan_rank,
        s.planned_activities_lv,
        sub.activities_done as activities_done_lv,
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
        -- How many times larger the bigger of this and last year's figure is (NULL if either
        -- is 0 or missing: greatest() and least() skip NULLs, which would make it 1).
        case
            when f.actual_total_users is not null and p.actual_total_users is not null then
                trim_scale(
                    greatest(f.actual_total_users, p.actual_total_users)::numeric
                    / nullif(least(f.actual_total_users, p.actual_total_users), 0)
                )
        end as total_users_yoy_factor,
        case
            when
                f.actual_electronic_requests is not null
                and p.actual_electronic_requests is not null
                then
                    trim_scale(
                        greatest(f.actual_electronic_requests, p.actual_electronic_requests)::numeric
                        / nullif(least(f.actual_electronic_requests, p.actual_electronic_requests), 0)
                    )
        end as electronic_yoy_factor,
        f.is_synthetic,
        f.portal_is_synthetic,
        case
            when p.actual_total_users is not null or p.actual_electronic_requests is not null
                then p.is_synthetic
        end as previous_year_is_synthetic,
        -- Growth rests on the base year's figures of the source it used (growth_source).
        case f.growth_source
            when 'reported' then f.is_synthetic or b.is_synthetic
            when 'portal' then f.portal_is_synthetic or b.portal_is_synthetic
        end as growth_vs_base_is_synthetic
    from service_years as f
    inner join services as s
        on f.service_key = s.service_key
    left join submissions as sub
        on
            f.service_key = sub.service_key
            and f.reporting_year = sub.reporting_year
    left join service_years as b
        on
            f.service_key = b.service_key
            and f.base_year = b.reporting_year
    left join channel_parts as c
        on
            f.service_key = c.service_key
            and f.reporting_year = c.reporting_year
    left join service_years as p
        on
            f.service_key = p.service_key
            and f.reporting_year - 1 = p.reporting_year
)

select * from final
