-- The latest submission attempt per reporting year and institution (one institution when
-- given, else every institution).
select distinct on (reporting_year, institution_code)
    reporting_year, institution_code, outcome, extract_version, extract_path,
    expectations_total, expectations_failed, message
from audit.submission_log
where %(institution)s = '' or institution_code = %(institution)s
order by reporting_year, institution_code, attempted_at desc
