-- Replace the plan of the project in the landed context (its services cascade).
delete from raw.implementation_plans
where project_id = (select btrim(project_id) from tmp_report_context)
