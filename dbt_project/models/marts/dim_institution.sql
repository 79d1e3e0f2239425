with

services as (
    select * from {{ ref('int_plan_services_latest') }}
),

aliases as (
    select * from {{ ref('institution_aliases') }}
),

institutions as (
    select distinct on (institution_code)
        institution_code,
        institution_name_lv,
        is_synthetic
    from services
    order by institution_code asc, project_end_year desc
),

final as (
    select
        institutions.institution_code,
        institutions.institution_name_lv,
        {{ latvian_sort_key('institutions.institution_name_lv') }} as institution_name_sort_lv,
        aliases.institution_alias_lv,
        aliases.responsible_authority,
        institutions.is_synthetic
    from institutions
    left join aliases
        on institutions.institution_code = aliases.institution_code
)

select * from final
