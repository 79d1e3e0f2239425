-- The independent cross-check: reported electronic requests against the portal's count.
select
    service_key,
    reporting_year,
    actual_electronic_requests as reported,
    portal_electronic_requests as portal,
    electronic_reported_minus_portal as difference,
    portal_is_synthetic
from marts.fct_service_year
where actual_electronic_requests is not null
order by reporting_year, abs(electronic_reported_minus_portal) desc nulls last, service_key
