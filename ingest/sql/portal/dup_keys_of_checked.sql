-- Rows the exact validation let through may repeat a key the fast reader loaded.
insert into tmp_portal_dup_keys
select institution_code, period_grain, period_start, portal_service_code, channel
from tmp_portal_checked
where is_loadable
