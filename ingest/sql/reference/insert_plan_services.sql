-- Plan rows: the 2012 yearly forecasts and planned activities. The service key is the
-- warehouse's own (<institution>-<nn>); the portal code is an optional attribute, normalised
-- from a full URN:IVIS:…:EP-EP72-V1-0 id to EP72.
insert into raw.plan_services (
    project_id, service_key, institution_code, service_no, service_name_lv, portal_service_code,
    forecast_total_users, forecast_e_users, planned_activities_lv,
    batch_id, source_file, source_sha256, loaded_at, is_synthetic
)
select
    btrim(ctx.project_id),
    upper(btrim(ctx.institution_code)) || '-' || lpad(btrim(s.service_no)::integer::text, 2, '0'),
    upper(btrim(ctx.institution_code)),
    btrim(s.service_no)::integer,
    btrim(s.service_name_lv),
    raw.normalise_portal_code(p.portal_service_code),
    btrim(s.forecast_2012_total_users)::integer,
    btrim(s.forecast_2012_e_users)::integer,
    nullif(btrim(s.planned_activities_lv), ''),
    %(batch_id)s,
    %(source_file)s,
    %(source_sha256)s,
    %(loaded_at)s,
    %(is_synthetic)s
from tmp_vdi_services as s
cross join tmp_report_context as ctx
left join tmp_portal_codes as p
    on btrim(p.service_no) = btrim(s.service_no)
