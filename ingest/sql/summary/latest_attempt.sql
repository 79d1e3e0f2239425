select outcome, extract_version, extract_path, expectations_total, expectations_failed, message
from audit.submission_log
where reporting_year = %(year)s and institution_code = %(institution)s
order by attempted_at desc
limit 1
