-- What the intake made of each received file (accepted_with_warnings counts as accepted).
select
    original_name,
    case when outcome = 'rejected' then 'rejected' else 'accepted' end as outcome
from raw.intake_files
