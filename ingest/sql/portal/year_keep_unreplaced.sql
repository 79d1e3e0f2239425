-- Before a swap: the rows of the year's partition whose periods the load does not replace.
-- NOT IN over a small hashed set (the columns are NOT NULL), not a sort of the year's rows.
insert into {fresh}
select p.*
from {part} as p
where (p.institution_code, p.period_grain, p.period_start) not in (
    select i.institution_code, i.period_grain, i.period_start
    from tmp_portal_incoming as i
)
