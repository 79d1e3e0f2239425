-- Create a login role of the embedded warehouse. Identifiers and literals are bound by
-- stack/warehouse.py with psycopg.sql, never by string formatting.
create role {role} login password {password}
