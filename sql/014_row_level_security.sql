-- Row-level security: the second wall behind every `tenant_id` filter (docs/behaviour.md, "Row-level security").
--
-- The queries that serve one tenant run in a transaction that first does
--     select set_config('role', 'tenantchat_tenant', true), set_config('app.tenant_id', '<tenant id>', true)
-- (TenantDatabase in src/Grains/Persistence). Under that role every table with a tenant_id column shows and accepts
-- only the rows of app.tenant_id; with the setting missing or empty, no row at all. The connection's own role (the
-- schema owner) is not subject to the policies: it runs the migrations and the few cross-tenant paths.

-- The tenant role: cannot log in, cannot bypass row-level security, owns nothing. Roles belong to the whole server,
-- so two databases migrating at once (the tests) may race to create it: the loser finds it made.
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'tenantchat_tenant') then
        create role tenantchat_tenant nologin nosuperuser nocreatedb nocreaterole noinherit nobypassrls;
    end if;
exception when duplicate_object or unique_violation then
    null;
end
$$;

-- The application's own role may switch to it (set_config('role', ...) requires membership).
do $$
begin
    if not pg_has_role(current_user, 'tenantchat_tenant', 'member') then
        execute format('grant tenantchat_tenant to %I', current_user);
    end if;
exception when duplicate_object or unique_violation then
    null;
end
$$;

-- Applies the wall to every application table, found in the catalog: a base table of this schema with a tenant_id
-- column. Orleans' tables have none. A script that adds such a table later calls this function again at its end;
-- tests/TenantChat.Tests/Schema/RowLevelSecurityCatalogTests fails for a table left without it.
create or replace function tenantchat_secure_tenant_tables() returns void language plpgsql as $$
declare
    t record;
    s text;
begin
    execute format('grant usage on schema %I to tenantchat_tenant', current_schema());
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
        execute format('grant select, insert, update, delete on %I to tenantchat_tenant', t.relname);
        -- Identity and serial columns draw from sequences of their own.
        for s in
            select pg_get_serial_sequence(quote_ident(t.relname), a.attname)
            from pg_attribute a
            where a.attrelid = t.oid and a.attnum > 0 and not a.attisdropped
              and pg_get_serial_sequence(quote_ident(t.relname), a.attname) is not null
        loop
            execute format('grant usage on sequence %s to tenantchat_tenant', s);
        end loop;
    end loop;

    -- Narrower where a tenant's own work never needs more. The audit log is appended and read, never changed (its
    -- trigger refuses it anyway; the erasure path runs on the owner's role). A tenant row is removed only by the
    -- operator's erasure, also on the owner's role. The outbox is queued by a tenant and drained across tenants.
    if to_regclass('audit_log') is not null then
        revoke update, delete, truncate on audit_log from tenantchat_tenant;
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

-- The full-text half of a tenant's knowledge search (KnowledgeStore.FindAsync). Under the policy the planner may not
-- search through the GIN index: `@@` is not leakproof, so it runs only after the policy's filter, on every chunk of
-- the tenant (about ten times slower at 20,000 chunks). This function reads as its owner, through the index, and
-- holds the wall itself: under the tenant role it answers only for the tenant of app.tenant_id. Its search_path is
-- pinned, as a security definer's must be.
do $do$
begin
    execute format($f$
        create or replace function tenant_knowledge_matches(p_tenant_id uuid, p_query text, p_limit integer)
        returns table (item_id uuid, ordinal integer)
        language plpgsql stable security definer set search_path = pg_catalog, %I, pg_temp as $body$
        begin
            if current_setting('role') = 'tenantchat_tenant'
               and p_tenant_id is distinct from nullif(current_setting('app.tenant_id', true), '')::uuid then
                return;
            end if;
            -- EXECUTE plans the statement for these very values on every call. A plain SQL function is planned with
            -- its arguments unknown, and that generic plan read every chunk of the tenant instead of the GIN index.
            return query execute
                'select c.item_id, c.ordinal from knowledge_chunks c
                 where c.tenant_id = $1 and c.search @@ websearch_to_tsquery(''english'', $2)
                 order by ts_rank(c.search, websearch_to_tsquery(''english'', $2)) desc
                 limit $3'
                using p_tenant_id, p_query, p_limit;
        end
        $body$
        $f$, current_schema());
end
$do$;

revoke all on function tenant_knowledge_matches(uuid, text, integer) from public;
grant execute on function tenant_knowledge_matches(uuid, text, integer) to tenantchat_tenant;
