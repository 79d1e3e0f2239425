-- Files the intake processed since a point in time, for the end-of-run summary.
select original_name, outcome, kind, institution_code, reporting_year, version, receipt_path
from raw.intake_files
where loaded_at >= %(since)s
order by loaded_at, original_name
