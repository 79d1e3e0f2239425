-- Distinct values of __column__ that do not match its pattern, with how many rows hold each:
-- the pattern is tested once per distinct value (a national table repeats a few thousand
-- codes over millions of rows; GX's regex expectation tested every row, ~2-4 s per million).
-- NULLs are another rule's concern. At most 20 values are returned; offending_total counts
-- them all. GX puts the validated table or view in place of the batch placeholder.
with counted as materialized (
    select
        __column__ as offending_value,
        count(*) as rows_with_it
    from {batch}
    group by __column__
)

select
    offending_value,
    rows_with_it,
    count(*) over () as offending_total
from counted
where offending_value !~ '__pattern__'
limit 20
