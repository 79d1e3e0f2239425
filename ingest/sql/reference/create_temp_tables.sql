-- Landing tables for one load of the reference files: every column text, exactly the files'
-- headers (ingest/reference_load.py reads the expected headers from here), dropped at commit.
create temp table tmp_report_context (
    row_no                                  bigint generated always as identity,
    institution_code                        text,
    institution_name_lv                     text,
    institution_alias_lv                    text,
    project_id                              text,
    project_name_lv                         text,
    funding_programme                       text,
    project_start_year                      text,
    project_end_year                        text,
    base_year                               text,
    forecast_year                           text,
    responsible_authority                   text,
    actuals_year                            text,
    actuals_received_date                   text,
    actuals_received_date_is_approximate    text
) on commit drop;

create temp table tmp_vdi_services (
    row_no                      bigint generated always as identity,
    service_no                  text,
    service_name_lv             text,
    forecast_2012_total_users   text,
    forecast_2012_e_users       text,
    actual_2016_total_users     text,
    actual_2016_e_requests      text,
    planned_activities_lv       text
) on commit drop;

create temp table tmp_portal_codes (
    row_no                  bigint generated always as identity,
    service_no              text,
    portal_service_code     text,
    portal_service_name_lv  text,
    confidence              text
) on commit drop;
