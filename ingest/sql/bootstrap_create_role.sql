-- Create a login role of the embedded warehouse. Identifiers and literals are bound by
-- ingest/warehouse.py with psycopg.sql, never by string formatting.
create role {role} login password {password}
