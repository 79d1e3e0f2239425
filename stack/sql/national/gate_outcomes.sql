-- Per institution-year of every monitoring window: the submission status (marts) and the
-- annual gate's latest attempt, for the national demo's comparison with its manifest.
select
    s.institution_code,
    s.reporting_year,
    s.submission_status,
    case
        when a.outcome is null then 'not_attempted'
        when a.outcome = 'failed' then 'refused'
        when a.message is not null then 'passed_with_warnings'
        else 'passed'
    end as gate
from marts.fct_submission_status as s
left join lateral (
    select l.outcome, l.message
    from audit.submission_log as l
    where l.institution_code = s.institution_code
      and l.reporting_year = s.reporting_year
    order by l.attempted_at desc
    limit 1
) as a on true
order by s.institution_code, s.reporting_year
