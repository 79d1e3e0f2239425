-- The load's table becomes the year's partition; the old one goes (one transaction).
alter table raw.portal_requests detach partition {part};
drop table {part};
alter table {fresh} rename to {part_name};
alter table {part} alter column batch_id drop default;
alter table raw.portal_requests attach partition {part} for values from ({first}) to ({next})
