insert into raw.implementation_plans (
    project_id, institution_code, institution_name_lv, institution_alias_lv, project_name_lv,
    funding_programme, project_start_year, project_end_year, base_year, forecast_year,
    responsible_authority, batch_id, source_file, source_sha256, loaded_at, is_synthetic
)
select
    btrim(project_id),
    upper(btrim(institution_code)),
    btrim(institution_name_lv),
    nullif(btrim(institution_alias_lv), ''),
    btrim(project_name_lv),
    nullif(btrim(funding_programme), ''),
    project_start_year::integer,
    project_end_year::integer,
    base_year::integer,
    forecast_year::integer,
    nullif(btrim(responsible_authority), ''),
    %(batch_id)s,
    %(source_file)s,
    %(source_sha256)s,
    %(loaded_at)s,
    %(is_synthetic)s
from tmp_report_context
