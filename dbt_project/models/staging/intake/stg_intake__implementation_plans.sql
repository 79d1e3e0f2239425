with

source as (
    select * from {{ source('intake', 'implementation_plans') }}
),

renamed as (
    select
        project_id,
        institution_code,
        institution_name_lv,
        institution_alias_lv,
        project_name_lv,
        funding_programme,
        project_start_year,
        project_end_year,
        base_year,
        forecast_year,
        responsible_authority,
        is_synthetic,
        batch_id,
        loaded_at
    from source
)

select * from renamed
