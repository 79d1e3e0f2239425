with

plans as (
    select * from {{ ref('stg_intake__implementation_plans') }}
),

final as (
    select distinct on (institution_code)
        institution_code,
        institution_name_lv,
        institution_alias_lv,
        responsible_authority,
        is_synthetic
    from plans
    order by institution_code asc, project_end_year desc
)

select * from final
