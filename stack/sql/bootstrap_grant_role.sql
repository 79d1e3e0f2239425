-- The owner may act as a job role, so migrations can hand the role its objects (0008).
-- Identifiers are bound by stack/warehouse.py with psycopg.sql.
grant {role} to {owner} with inherit true, set true
