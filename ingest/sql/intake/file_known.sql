select original_name, received_at, outcome, version, institution_code, reporting_year
from raw.intake_files
where sha256 = %(sha256)s
