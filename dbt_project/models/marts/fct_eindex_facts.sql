-- VARAM e-index 2019 headline facts (real): sector-level context for the service figures.
with

facts as (
    select * from {{ ref('eindex_2019_facts') }}
),

final as (
    select
        year || '-' || sector || '-' || metric as eindex_fact_id,
        year as fact_year,
        sector,
        metric,
        value,
        unit,
        nullif(note, '') as note,
        false as is_synthetic
    from facts
)

select * from final
