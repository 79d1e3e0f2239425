-- Every action-plan activity with its status and estimated effect as of the outlook's date
-- (marts.fct_action_effect): the provisional report's action-plan section.
select
    a.institution_code,
    a.activity_id,
    a.service_key,
    a.activity_lv,
    a.activity_type,
    a.start_date,
    a.start_date_is_approximate,
    a.end_date,
    a.activity_status,
    a.months_after,
    round(a.actual_after) as actual_after,
    round(a.expected_after) as expected_after,
    round(a.expected_after_p10) as expected_after_p10,
    round(a.expected_after_p90) as expected_after_p90,
    a.effect_ratio,
    a.peer_effect_ratio,
    a.effect_verdict,
    a.start_year,
    a.is_synthetic
from marts.fct_action_effect as a
where a.as_of_date = %(as_of)s
order by a.institution_code, a.activity_id
