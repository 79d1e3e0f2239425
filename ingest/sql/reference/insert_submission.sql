-- The institution's yearly submission: total users (paper + electronic, its operational data)
-- and electronic requests (taken by the institution from the latvija.lv portal statistics).
insert into raw.yearly_submissions (
    institution_code, reporting_year, service_key, total_users, electronic_requests,
    electronic_requests_origin, received_date, received_date_is_approximate,
    batch_id, source_file, source_sha256, loaded_at, is_synthetic
)
select
    upper(btrim(ctx.institution_code)),
    ctx.actuals_year::integer,
    upper(btrim(ctx.institution_code)) || '-' || lpad(btrim(s.service_no)::integer::text, 2, '0'),
    btrim(s.actual_2016_total_users)::integer,
    btrim(s.actual_2016_e_requests)::integer,
    'latvija.lv portal statistics, as reported by the institution',
    ctx.actuals_received_date::date,
    lower(ctx.actuals_received_date_is_approximate)::boolean,
    %(batch_id)s,
    %(source_file)s,
    %(source_sha256)s,
    %(loaded_at)s,
    %(is_synthetic)s
from tmp_vdi_services as s
cross join tmp_report_context as ctx
