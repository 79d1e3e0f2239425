-- Next accepted version of a project's plan, or of an institution-year's submission.
select coalesce(max(version), 0) + 1
from raw.intake_files
where kind = %(kind)s
  and outcome <> 'rejected'
  and case
      when %(kind)s = 'plan' then project_id = %(project_id)s
      else institution_code = %(institution_code)s and reporting_year = %(reporting_year)s
  end
