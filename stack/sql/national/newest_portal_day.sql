-- The newest portal period loaded (the national demo's next night brings the day after it).
select max(period_start) from audit.portal_period_totals
