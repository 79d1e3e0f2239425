-- Row counts of the data tables, for the end-of-run summary.
select 'raw.implementation_plans' as table_name, count(*) as row_count from raw.implementation_plans
union all
select 'raw.plan_services', count(*) from raw.plan_services
union all
select 'raw.yearly_submissions', count(*) from raw.yearly_submissions
union all
select 'raw.portal_requests', count(*) from raw.portal_requests
union all
select 'raw.portal_requests_quarantine', count(*) from raw.portal_requests_quarantine
order by table_name
