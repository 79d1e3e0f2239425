-- Next accepted version of an institution-year (submissions) or a project (plans).
select coalesce(max(version), 0) + 1
from raw.intake_files
where kind = %(kind)s
  and outcome <> 'rejected'
  and institution_code is not distinct from %(institution_code)s
  and reporting_year is not distinct from %(reporting_year)s
  and project_id is not distinct from %(project_id)s
