-- Every activity of the latest action plans: status and estimated effect on the outlook's
-- as-of date (marts.fct_action_effect), for the end-of-run summary.
select
    activity_id,
    service_key,
    activity_type,
    activity_status,
    start_date,
    start_date_is_approximate,
    months_after,
    round(actual_after) as actual_after,
    round(expected_after) as expected_after,
    round(expected_after_p10) as expected_after_p10,
    round(expected_after_p90) as expected_after_p90,
    round(100 * effect_ratio) as effect_pct,
    effect_verdict,
    is_synthetic
from marts.fct_action_effect
order by institution_code, activity_id
