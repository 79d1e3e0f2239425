-- Every key seen more than once in one of the batch's year tables (when the file had too many
-- series for the fast reader's bitset).
insert into tmp_portal_dup_keys
select institution_code, period_grain, period_start, portal_service_code, channel
from {table}
group by institution_code, period_grain, period_start, portal_service_code, channel
having count(*) > 1
