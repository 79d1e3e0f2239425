-- A small load: replace its periods inside the year's partition, then drop the load's table.
delete from {part} as p
using tmp_portal_incoming as i
where
    i.institution_code = p.institution_code
    and i.period_grain = p.period_grain
    and i.period_start = p.period_start;
insert into {part} select * from {fresh};
drop table {fresh}
