insert into raw.intake_files (
    kind, original_name, file_format, sha256, institution_code, reporting_year, project_id,
    version, outcome, submitter_name, submitter_email, received_at, declared_received_date,
    received_date_is_approximate, rows_total, rows_with_errors, warnings, archived_path,
    receipt_path, batch_id, loaded_at, is_synthetic
)
values (
    %(kind)s, %(original_name)s, %(file_format)s, %(sha256)s, %(institution_code)s,
    %(reporting_year)s, %(project_id)s, %(version)s, %(outcome)s, %(submitter_name)s,
    %(submitter_email)s, %(received_at)s, %(declared_received_date)s,
    %(received_date_is_approximate)s, %(rows_total)s, %(rows_with_errors)s, %(warnings)s,
    %(archived_path)s, %(receipt_path)s, %(batch_id)s, %(loaded_at)s, %(is_synthetic)s
)
returning file_id
