-- 0004: the read-only BI role. It may read the marts (granted by dbt `grants`, so rebuilds
-- keep it) and nothing else: no raw, quarantine or audit tables, no writes, no temp tables.
-- The embedded warehouse creates the login role bi_reader at bootstrap; on another server the
-- role is created here (NOLOGIN) when this user may, else an administrator creates it.
do $$
begin
    if not exists (select from pg_roles where rolname = 'bi_reader') then
        begin
            create role bi_reader nologin;
        exception when insufficient_privilege then
            raise notice 'cannot create role bi_reader here: ask an administrator to create it';
        end;
    end if;
    begin
        execute format('revoke temporary on database %I from public', current_database());
        execute format('grant connect on database %I to bi_reader', current_database());
    exception when insufficient_privilege or undefined_object then
        raise notice 'database privileges for bi_reader left to the administrator';
    end;
end
$$;

revoke all on schema raw from public;
revoke all on schema audit from public;
