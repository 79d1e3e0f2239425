-- Submissions that are late, missing or rejected, as of the last transformation run.
select
    institution_code,
    reporting_year,
    due_date,
    first_accepted_date,
    submission_status,
    received_date_is_approximate
from marts.fct_submission_status
where submission_status in ('late', 'missing', 'rejected')
order by due_date, institution_code
