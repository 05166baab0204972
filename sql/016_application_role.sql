-- The application's role: what the silos and frontends serve with (docs/behaviour.md, "Row-level security").
--
-- The schema owner applies these scripts and nothing else. The processes log in as a LOGIN role that the
-- deployment creates with its own password (docker-compose's db-login step, scripts/lib/postgres.sh locally) and
-- makes a member of tenantchat_app. That role:
--   * owns nothing, cannot create in the schema, is no superuser and has no BYPASSRLS: it can neither drop, alter
--     nor truncate a table, nor turn row-level security off, nor drop a policy;
--   * has DML on the tables it uses, never TRUNCATE, and no UPDATE on audit_log (DELETE there only on the erasure
--     path: the append-only trigger of 011 refuses any other);
--   * is a member of tenantchat_tenant, so each tenant-serving transaction switches to it (TenantDatabase);
--   * reads and writes across tenants, on the documented cross-tenant paths only, through the policy
--     `cross_tenant_paths` on each tenant table, which applies to it and not to tenantchat_tenant.

-- Roles belong to the whole server; databases migrating at once (the tests) may race to create it, as in 014.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'tenantchat_app') then
        create role tenantchat_app nologin nosuperuser nocreatedb nocreaterole inherit nobypassrls;
    end if;
exception when duplicate_object or unique_violation then
    null;
end
$$;

-- The deployment may have made it first (it grants it to the login before the first migration): hold it to the
-- same attributes. Only when they differ, so concurrent migrations do not update the same catalog row.
do $$
begin
    if exists (select 1 from pg_roles where rolname = 'tenantchat_app'
               and (rolsuper or rolbypassrls or rolcreaterole or rolcreatedb or rolcanlogin or not rolinherit)) then
        alter role tenantchat_app nologin nosuperuser nocreatedb nocreaterole inherit nobypassrls;
    end if;
end
$$;

do $$
begin
    if not pg_has_role('tenantchat_app', 'tenantchat_tenant', 'member') then
        grant tenantchat_tenant to tenantchat_app;
    end if;
exception when duplicate_object or unique_violation then
    null;
end
$$;

-- Nothing may be created in the schema by anyone but its owner (PostgreSQL 14 and older grant CREATE to PUBLIC).
do $$
begin
    execute format('revoke create on schema %I from public', current_schema());
end
$$;

-- The wall of 014, now also granting the application role, and re-run by the migration step at its end
-- (SchemaMigrator), so a table any later script adds gets the same without a change here:
--   * every table with a tenant_id: RLS on, the tenant_isolation policy, the tenant role's grants (as in 014),
--     the application role's DML and its cross_tenant_paths policy;
--   * Orleans' tables (orleans*): the application role's DML; orleansquery, Orleans' own named queries, read only;
--   * schema_migrations: read only (a silo checks that the schema is up to date);
--   * every sequence: usage, for identity columns.
-- No TRUNCATE is ever granted. Narrower where a path never needs more: see the end.
create or replace function tenantchat_secure_tenant_tables() returns void language plpgsql as $$
declare
    t record;
    s text;
begin
    execute format('grant usage on schema %I to tenantchat_tenant, tenantchat_app', current_schema());
    for t in
        select c.oid, c.relname, format_type(a.atttypid, a.atttypmod) as tenant_type
        from pg_class c
        join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
        where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')
    loop
        execute format('alter table %I enable row level security', t.relname);
        if not exists (select 1 from pg_policy p where p.polrelid = t.oid and p.polname = 'tenant_isolation') then
            -- nullif: a setting never made reads as null, one reset at the end of a transaction as ''; both match no row.
            execute format($p$create policy tenant_isolation on %I
                using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::%s)
                with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::%s)$p$,
                t.relname, t.tenant_type, t.tenant_type);
        end if;
        -- The application role's own statements are the cross-tenant paths (each names its tenant in its statement
        -- or serves several on purpose). Policies are per role: a transaction switched to tenantchat_tenant is not
        -- tenantchat_app, and only tenant_isolation applies to it.
        if not exists (select 1 from pg_policy p where p.polrelid = t.oid and p.polname = 'cross_tenant_paths') then
            execute format('create policy cross_tenant_paths on %I to tenantchat_app using (true) with check (true)', t.relname);
        end if;
        execute format('grant select, insert, update, delete on %I to tenantchat_tenant, tenantchat_app', t.relname);
        -- Identity and serial columns draw from sequences of their own.
        for s in
            select pg_get_serial_sequence(quote_ident(t.relname), a.attname)
            from pg_attribute a
            where a.attrelid = t.oid and a.attnum > 0 and not a.attisdropped
              and pg_get_serial_sequence(quote_ident(t.relname), a.attname) is not null
        loop
            execute format('grant usage on sequence %s to tenantchat_tenant, tenantchat_app', s);
        end loop;
    end loop;

    for t in
        select c.relname from pg_class c
        where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p') and c.relname like 'orleans%'
    loop
        if t.relname = 'orleansquery' then
            execute format('grant select on %I to tenantchat_app', t.relname);
        else
            execute format('grant select, insert, update, delete on %I to tenantchat_app', t.relname);
        end if;
    end loop;
    for t in
        select c.relname from pg_class c where c.relnamespace = current_schema()::regnamespace and c.relkind = 'S'
    loop
        execute format('grant usage on sequence %I to tenantchat_app', t.relname);
    end loop;
    if to_regclass('schema_migrations') is not null then
        grant select on schema_migrations to tenantchat_app;
    end if;

    -- Narrower where a path never needs more. The audit log is appended and read, never changed; the erasure path
    -- (the application role) deletes one tenant's chain inside a transaction marked for it, which 011's trigger
    -- checks. A tenant row is removed only by that erasure. The outbox is queued by a tenant and drained across
    -- tenants. TRUNCATE was never granted; revoked anyway, in case an older script or a person did.
    if to_regclass('audit_log') is not null then
        revoke update, delete, truncate on audit_log from tenantchat_tenant;
        revoke update, truncate on audit_log from tenantchat_app;
    end if;
    if to_regclass('tenants') is not null then
        revoke delete, truncate on tenants from tenantchat_tenant;
    end if;
    if to_regclass('webhook_outbox') is not null then
        revoke update, delete, truncate on webhook_outbox from tenantchat_tenant;
    end if;
end
$$;

select tenantchat_secure_tenant_tables();

-- The knowledge search function (014) keeps its wall: under tenantchat_tenant it answers for app.tenant_id only.
-- The application role holds it through its membership; it is granted to no one else.
revoke all on function tenant_knowledge_matches(uuid, text, integer) from public;
grant execute on function tenant_knowledge_matches(uuid, text, integer) to tenantchat_tenant;

-- Only the owner secures tables (the function alters them); no one else needs to call it.
revoke all on function tenantchat_secure_tenant_tables() from public;
