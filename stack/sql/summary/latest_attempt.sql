-- The latest submission attempt per reporting year of one institution.
select distinct on (reporting_year)
    reporting_year, outcome, extract_version, extract_path, expectations_total,
    expectations_failed, message
from audit.submission_log
where institution_code = %(institution)s
order by reporting_year, attempted_at desc
