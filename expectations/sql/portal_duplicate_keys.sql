-- Keys held by more than one row (one row per institution, period, portal code and
-- sub-channel): one hash aggregate. GX's compound-uniqueness expectation joined the table to
-- its grouped keys instead, ~10 s per million rows. At most 20 keys are returned;
-- offending_total counts them all. GX puts the validated table or view in place of the batch placeholder.
select
    institution_code,
    period_grain,
    period_start,
    portal_service_code,
    channel,
    count(*) as copies,
    count(*) over () as offending_total
from {batch}
group by institution_code, period_grain, period_start, portal_service_code, channel
having count(*) > 1
limit 20
