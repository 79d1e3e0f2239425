-- Row counts of the data tables, for the end-of-run summary.
select 'raw.intake_files' as table_name, count(*) as row_count from raw.intake_files
union all
select 'raw.intake_plan_rows', count(*) from raw.intake_plan_rows
union all
select 'raw.intake_action_plan_rows', count(*) from raw.intake_action_plan_rows
union all
select 'raw.intake_submission_rows', count(*) from raw.intake_submission_rows
union all
select 'raw.intake_quarantine', count(*) from raw.intake_quarantine
union all
select 'raw.portal_requests', count(*) from raw.portal_requests
union all
select 'raw.portal_requests_quarantine', count(*) from raw.portal_requests_quarantine
order by table_name
