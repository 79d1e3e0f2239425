-- Set-based checks of the landed reference files. One row per problem:
-- (file_key, row_no, column_name, value, reason). No rows means the files are loadable.
with whole_numbers as (
    select 'report_context' as file_key, c.row_no, v.column_name, v.value
    from tmp_report_context as c
    cross join lateral (values
        ('project_start_year', c.project_start_year),
        ('project_end_year', c.project_end_year),
        ('base_year', c.base_year),
        ('forecast_year', c.forecast_year),
        ('actuals_year', c.actuals_year)
    ) as v (column_name, value)
    union all
    select 'services', s.row_no, v.column_name, v.value
    from tmp_vdi_services as s
    cross join lateral (values
        ('service_no', s.service_no),
        ('forecast_2012_total_users', s.forecast_2012_total_users),
        ('forecast_2012_e_users', s.forecast_2012_e_users),
        ('actual_2016_total_users', s.actual_2016_total_users),
        ('actual_2016_e_requests', s.actual_2016_e_requests)
    ) as v (column_name, value)
    union all
    select 'portal_codes', p.row_no, 'service_no', p.service_no
    from tmp_portal_codes as p
),

problems as (
    select file_key, row_no, column_name, value, 'must be a whole number of 0 or more' as reason
    from whole_numbers
    where value is null or btrim(value) !~ '^[0-9]{1,9}$'

    union all
    select 'report_context', null, null, count(*)::text, 'must contain exactly one row'
    from tmp_report_context
    having count(*) <> 1

    union all
    select 'report_context', row_no, 'institution_code', institution_code, 'must not be empty'
    from tmp_report_context
    where coalesce(btrim(institution_code), '') = ''

    union all
    select 'report_context', row_no, 'project_id', project_id, 'must not be empty'
    from tmp_report_context
    where coalesce(btrim(project_id), '') = ''

    union all
    select 'report_context', row_no, 'actuals_received_date', actuals_received_date,
        'must be a date written YYYY-MM-DD'
    from tmp_report_context
    where coalesce(actuals_received_date, '') !~ '^\d{4}-\d{2}-\d{2}$'

    union all
    select 'report_context', row_no, 'actuals_received_date_is_approximate',
        actuals_received_date_is_approximate, 'must be true or false'
    from tmp_report_context
    where lower(coalesce(actuals_received_date_is_approximate, '')) not in ('true', 'false')

    union all
    select 'services', row_no, 'service_name_lv', service_name_lv, 'must not be empty'
    from tmp_vdi_services
    where coalesce(btrim(service_name_lv), '') = ''

    union all
    select 'services', max(row_no), 'service_no', service_no, 'appears more than once'
    from tmp_vdi_services
    group by service_no
    having count(*) > 1

    union all
    select 'services', null, null, '0', 'contains no services'
    from tmp_vdi_services
    having count(*) = 0

    union all
    select 'portal_codes', p.row_no, 'service_no', p.service_no, 'names no service of the services file'
    from tmp_portal_codes as p
    where not exists (
        select from tmp_vdi_services as s where btrim(s.service_no) = btrim(p.service_no)
    )

    union all
    select 'portal_codes', row_no, 'portal_service_code', portal_service_code,
        'must look like EP<digits> or a full URN:IVIS:…:EP-EP<digits>-V… id'
    from tmp_portal_codes
    where coalesce(btrim(portal_service_code), '') !~* '^(EP\d+|URN:IVIS:\d+:EP-EP\d+(-V[0-9-]+)?)$'
)

select file_key, row_no, column_name, value, reason
from problems
order by file_key, row_no nulls first, column_name
