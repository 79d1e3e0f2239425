-- Has any dbt build succeeded yet? (Before the first one, every raw row is new.)
select exists (select 1 from audit.dbt_builds)
