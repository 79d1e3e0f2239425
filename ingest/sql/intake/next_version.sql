-- Next accepted version of a project's plan, of an institution-year's submission or of an
-- institution's action plan (each version is the institution's whole action plan).
select coalesce(max(version), 0) + 1
from raw.intake_files
where kind = %(kind)s
  and outcome <> 'rejected'
  and case
      when %(kind)s = 'plan' then project_id = %(project_id)s
      when %(kind)s = 'action_plan' then institution_code = %(institution_code)s
      else institution_code = %(institution_code)s and reporting_year = %(reporting_year)s
  end
