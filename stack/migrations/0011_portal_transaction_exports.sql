-- 0011: transaction-level portal exports (issue 13). A file with one line per transaction is
-- counted into daily rows while it is read (ingest/portal/transactions.py); its batch says
-- how many lines it counted, so every line stays accounted for.
alter table audit.load_batches
    add column if not exists transactions_counted bigint;

comment on column audit.load_batches.transactions_counted is
    'Transaction-level exports only: lines counted into the daily rows (rows_loaded). For '
    'such a batch rows_read counts lines: rows_read = transactions_counted + rows_quarantined '
    '+ rows_outside_range.';

comment on column audit.load_batches.rows_outside_range is
    'Rows read but outside the requested period range (not loaded, not bad). '
    'rows_read = rows_loaded + rows_quarantined + rows_outside_range (for a transaction-level '
    'export: transactions_counted in place of rows_loaded).';
