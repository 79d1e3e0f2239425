-- The totals of the partitions this batch replaces (record_totals.sql writes the new ones).
delete from audit.portal_period_totals as t
using tmp_portal_incoming as i
where
    t.institution_code = i.institution_code
    and t.period_grain = i.period_grain
    and t.period_start = i.period_start
