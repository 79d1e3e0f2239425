-- A year seen for the first time: the load's table becomes its partition.
alter table {fresh} rename to {part_name};
alter table {part} alter column batch_id drop default;
alter table raw.portal_requests attach partition {part} for values from ({first}) to ({next})
