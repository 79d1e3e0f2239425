with

source as (
    select * from {{ source('intake', 'plan_services') }}
),

renamed as (
    select
        service_key,
        project_id,
        institution_code,
        service_no,
        service_name_lv,
        portal_service_code,
        forecast_total_users,
        forecast_e_users as forecast_electronic_users,
        planned_activities_lv,
        is_synthetic,
        batch_id,
        loaded_at
    from source
)

select * from renamed
