-- Replace the yearly submission of the institution and year in the landed context.
delete from raw.yearly_submissions
where (institution_code, reporting_year) = (
    select upper(btrim(institution_code)), actuals_year::integer from tmp_report_context
)
