-- Did a corrective activity work? For every activity of the latest action plans: its status on
-- the outlook's as-of date, and its service's electronic requests after it started against what
-- the early-warning model expected without it.
--
-- Counterfactual: the outlook projection of the start year made from the months before the
-- start (int_outlook_projections at cut-off = start month - 1), carried to the months observed
-- since: expected = projected x (cumulative share at the last observed month) - year to date
-- at the start. Its 80 % interval is the projection's, carried the same way. An activity that
-- starts before the outlook has var('outlook_min_months') months of its year has no
-- counterfactual. Beside it: the same ratio for the institution's services with no activity
-- started by the window's end (a comparison group, where one exists), the monthly average of
-- the 12 months before against the months after, and the reported electronic share of the
-- year before and the year after the start (what fct_promotion_effect used to show). A
-- comparison, not proof of cause. Units: requests.
with

as_of as (
    select
        '{{ outlook_as_of_date() }}'::date as as_of_date,
        -- months are numbered year x 12 + month; a month counts once its last day has passed
        (
            extract(year from '{{ outlook_as_of_date() }}'::date + 1)::integer * 12
            + extract(month from '{{ outlook_as_of_date() }}'::date + 1)::integer - 1
        ) as last_complete_month_index
),

activities as (
    select * from {{ ref('int_action_plan_activities') }}
),

monthly as (
    select
        *,
        period_year * 12 + month_no as month_index
    from {{ ref('int_service_month_electronic') }}
),

projections as (
    select * from {{ ref('int_outlook_projections') }}
),

service_years as (
    select * from {{ ref('fct_service_year') }}
),

services as (
    select * from {{ ref('dim_service') }}
),

windows as (
    select
        a.activity_id,
        a.institution_code,
        a.service_key,
        extract(year from a.start_date)::integer as start_year,
        extract(month from a.start_date)::integer as start_month,
        extract(year from a.start_date)::integer * 12
        + extract(month from a.start_date)::integer as start_month_index,
        -- the months observed after the start: to the year's end or the as-of date
        least(
            extract(year from a.start_date)::integer * 12 + 12,
            s.last_complete_month_index
        ) - extract(year from a.start_date)::integer * 12 as last_month
    from activities as a
    cross join as_of as s
),

-- every service of the institution, for the activity's window: the service itself and the
-- comparison group (the institution's services with no activity started by the window's end)
window_services as (
    select
        w.activity_id,
        w.start_year,
        w.start_month,
        w.last_month,
        w.service_key = d.service_key as is_own_service,
        d.service_key
    from windows as w
    inner join services as d
        on w.institution_code = d.institution_code
    where
        w.service_key = d.service_key
        -- the comparison group: no activity of theirs had started by the window's end
        or not exists (
            select from activities as a
            where
                a.service_key = d.service_key
                and extract(year from a.start_date)::integer * 12
                + extract(month from a.start_date)::integer
                <= w.start_year * 12 + w.last_month
        )
),

-- what each of those services did in the months after the start, and what the model expected
window_measures as (
    select
        ws.activity_id,
        ws.is_own_service,
        ws.service_key,
        sum(m.requests) filter (
            where m.month_no between ws.start_month and ws.last_month
        ) as actual_after,
        count(m.month_no) filter (
            where m.month_no between ws.start_month and ws.last_month
        ) as months_after,
        bool_or(m.is_synthetic) as is_synthetic
    from window_services as ws
    left join monthly as m
        on
            ws.service_key = m.service_key
            and ws.start_year = m.period_year
    group by ws.activity_id, ws.is_own_service, ws.service_key
),

expected as (
    select
        ws.activity_id,
        ws.is_own_service,
        ws.service_key,
        wm.actual_after,
        wm.months_after,
        wm.is_synthetic,
        ws.last_month - ws.start_month + 1 as months_in_window,
        before_start.ytd_requests as requests_before_in_year,
        before_start.past_errors,
        -- projection from the months before the start x the share of the year to the last
        -- observed month, less what was already there (only on the same seasonal profile;
        -- never below 0; NULL without a projection: greatest() alone would turn it into 0)
        case
            when before_start.projected_requests * at_end.cumulative_share is not null
                then greatest(
                    before_start.projected_requests * at_end.cumulative_share
                    - before_start.ytd_requests,
                    0
                )
        end as expected_after,
        case
            when before_start.projected_requests_p10 * at_end.cumulative_share is not null
                then greatest(
                    before_start.projected_requests_p10 * at_end.cumulative_share
                    - before_start.ytd_requests,
                    0
                )
        end as expected_after_p10,
        case
            when before_start.projected_requests_p90 * at_end.cumulative_share is not null
                then greatest(
                    before_start.projected_requests_p90 * at_end.cumulative_share
                    - before_start.ytd_requests,
                    0
                )
        end as expected_after_p90
    from window_services as ws
    inner join window_measures as wm
        on
            ws.activity_id = wm.activity_id
            and ws.service_key = wm.service_key
    left join projections as before_start
        on
            ws.service_key = before_start.service_key
            and ws.start_year = before_start.period_year
            and ws.start_month - 1 = before_start.cut_off
            and ws.start_month - 1 >= {{ var('outlook_min_months') }}
    left join projections as at_end
        on
            ws.service_key = at_end.service_key
            and ws.start_year = at_end.period_year
            and ws.last_month = at_end.cut_off
            and before_start.profile_scope = at_end.profile_scope
),

own as (
    select * from expected
    where is_own_service
),

-- the comparison group: services with every month observed and a counterfactual
peers as (
    select
        activity_id,
        count(*) as peer_services,
        sum(actual_after) as peer_actual_after,
        sum(expected_after) as peer_expected_after
    from expected
    where
        not is_own_service
        and months_after = months_in_window
        and expected_after > 0
    group by activity_id
),

twelve_months_before as (
    select
        w.activity_id,
        avg(m.requests) as monthly_requests_before,
        count(*) as months_before
    from windows as w
    inner join monthly as m
        on
            w.service_key = m.service_key
            and m.month_index between w.start_month_index - 12 and w.start_month_index - 1
    group by w.activity_id
),

joined as (
    select
        a.activity_id,
        a.institution_code,
        a.service_key,
        a.activity_lv,
        a.activity_type,
        a.start_date,
        a.start_date_is_approximate,
        a.end_date,
        a.responsible_unit,
        a.action_plan_version,
        s.as_of_date,
        case
            when a.done_received_date <= s.as_of_date then 'done'
            when a.start_date > s.as_of_date then 'planned'
            when a.end_date < s.as_of_date then 'overdue'
            else 'started'
        end as activity_status,
        a.done_reporting_year,
        w.start_year,
        greatest(w.last_month - w.start_month + 1, 0) as months_in_window,
        coalesce(o.months_after, 0) as months_after,
        b.months_before,
        b.monthly_requests_before,
        o.actual_after,
        {{ safe_ratio('o.actual_after', 'o.months_after') }} as monthly_requests_after,
        o.requests_before_in_year,
        o.expected_after,
        o.expected_after_p10,
        o.expected_after_p90,
        o.past_errors,
        p.peer_services,
        p.peer_actual_after,
        p.peer_expected_after,
        before_year.electronic_share as electronic_share_year_before,
        after_year.electronic_share as electronic_share_year_after,
        a.is_synthetic or coalesce(o.is_synthetic, false) as is_synthetic
    from activities as a
    cross join as_of as s
    inner join windows as w
        on a.activity_id = w.activity_id
    left join own as o
        on a.activity_id = o.activity_id
    left join peers as p
        on a.activity_id = p.activity_id
    left join twelve_months_before as b
        on a.activity_id = b.activity_id
    left join service_years as before_year
        on
            a.service_key = before_year.service_key
            and before_year.reporting_year = w.start_year - 1
    left join service_years as after_year
        on
            a.service_key = after_year.service_key
            and after_year.reporting_year = w.start_year + 1
),

-- trim_scale: the same values without trailing zeros (40.00 -> 40)
final as (
    select
        activity_id,
        institution_code,
        service_key,
        activity_lv,
        activity_type,
        start_date,
        start_date_is_approximate,
        end_date,
        responsible_unit,
        action_plan_version,
        as_of_date,
        activity_status,
        done_reporting_year,
        start_year,
        months_in_window,
        months_after,
        months_before,
        trim_scale(monthly_requests_before) as monthly_requests_before,
        monthly_requests_after,
        trim_scale(actual_after) as actual_after,
        trim_scale(requests_before_in_year) as requests_before_in_year,
        trim_scale(expected_after) as expected_after,
        trim_scale(expected_after_p10) as expected_after_p10,
        trim_scale(expected_after_p90) as expected_after_p90,
        trim_scale(actual_after - expected_after) as effect_requests,
        {{ safe_ratio('actual_after', 'expected_after') }} - 1 as effect_ratio,
        peer_services,
        {{ safe_ratio('peer_actual_after', 'peer_expected_after') }} - 1
            as peer_effect_ratio,
        trim_scale(electronic_share_year_before) as electronic_share_year_before,
        trim_scale(electronic_share_year_after) as electronic_share_year_after,
        trim_scale(electronic_share_year_after - electronic_share_year_before)
            as electronic_share_change,
        case
            when months_in_window = 0 then 'not_started'
            when months_after < months_in_window then 'months_missing'
            when expected_after is null then 'no_counterfactual'
            when expected_after_p90 is null then 'no_interval'
            when actual_after > expected_after_p90 then 'above_expected'
            when actual_after < expected_after_p10 then 'below_expected'
            else 'within_expected'
        end as effect_verdict,
        is_synthetic
    from joined
)

select * from final
