-- Did the corrective activities work? Every activity of the latest action plans with its
-- status and the electronic requests after its start against what the early-warning model
-- expected without it (80 % interval), beside the institution's services without an
-- activity. Largest effect first; activities without an estimate last.
select
    a.institution_code,
    a.activity_id,
    a.service_key,
    s.service_name_lv,
    a.activity_type,
    a.activity_status,
    a.start_date,
    a.start_date_is_approximate,
    a.months_after,
    round(a.actual_after) as actual_after,
    round(a.expected_after) as expected_after,
    round(a.expected_after_p10) as expected_low,
    round(a.expected_after_p90) as expected_high,
    round(100 * a.effect_ratio, 1) as effect_pct,
    round(100 * a.peer_effect_ratio, 1) as peer_effect_pct,
    a.effect_verdict,
    a.is_synthetic
from marts.fct_action_effect as a
inner join marts.dim_service as s on a.service_key = s.service_key
order by a.effect_ratio desc nulls last, a.activity_id
