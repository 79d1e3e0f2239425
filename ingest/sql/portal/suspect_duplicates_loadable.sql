-- On the fast path check_stage.sql saw only the suspect rows, so a duplicate it found among
-- them may also repeat a clean row with an earlier line. Such rows (in range, no other fault)
-- go to the year tables like any loadable row; dedup_year_table.sql, which sees every row
-- of the file, keeps the first line of each key and gives the others the same reason.
update tmp_portal_checked
set is_loadable = true, reason = null
where
    column_name is null
    and reason like 'duplicate of line %%'
    and (%(range_start)s::date is null or period_start >= %(range_start)s::date)
    and (%(range_end)s::date is null or period_start <= %(range_end)s::date)
