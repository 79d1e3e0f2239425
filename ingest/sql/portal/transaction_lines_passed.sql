-- Transaction lines the exact validation passed (check_stage.sql over the staged suspects):
-- taken out of the loadable rows and returned, for the transaction reader to count them with
-- the clean lines (ingest/portal/transactions.py). Nothing else loads them.
update tmp_portal_checked
set is_loadable = false
where is_loadable
returning institution_code, portal_service_code, channel, period_start, is_synthetic, line_no
