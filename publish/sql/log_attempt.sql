insert into audit.submission_log (
    reporting_year, institution_code, outcome, extract_version, extract_path, manifest_sha256,
    expectations_total, expectations_failed, message
)
values (
    %(year)s, %(institution)s, %(outcome)s, %(version)s, %(path)s, %(manifest_sha256)s,
    %(total)s, %(failed)s, %(message)s
)
