-- The audit log: one append-only row per change, hash-chained per tenant (docs/behaviour.md, Governance).
-- No foreign key to tenants: a deleted tenant's chain keeps its tombstone entry after the tenant row is gone.
create table if not exists audit_log (
    id         bigint generated always as identity primary key,
    tenant_id  uuid not null,
    -- Position in the tenant's chain, from 1; gap-free while nothing is erased.
    seq        bigint not null check (seq > 0),
    actor      text not null,
    action     text not null,
    target     text not null,
    changes    jsonb not null default '{}'::jsonb,
    request_id text,
    at         timestamptz not null,
    prev_hash  text not null,
    hash       text not null,
    constraint audit_log_tenant_seq_key unique (tenant_id, seq)
);

-- The canonical entry, defined once and used both when an entry is appended and when a chain is verified:
-- the text of the JSON array [tenant_id, seq, actor, action, target, changes, request_id, at], as jsonb renders it
-- (keys of objects sorted, fixed separators, every string escaped), with at in UTC to the microsecond.
-- hash = lower-case hex SHA-256 of the UTF-8 bytes of prev_hash followed by the canonical entry.
create or replace function audit_entry_hash(
    prev_hash text, tenant_id uuid, seq bigint, actor text, action text, target text, changes jsonb,
    request_id text, at timestamptz)
returns text language sql stable as $$
    select encode(sha256(convert_to(prev_hash || jsonb_build_array(
        tenant_id::text, seq, actor, action, target, changes, request_id,
        to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))::text, 'UTF8')), 'hex')
$$;

-- Append-only: no UPDATE ever; a DELETE only on the tenant-erasure path, which marks its own transaction with
-- `set local tenantchat.erasing_tenant = '<tenant id>'` and may then remove that tenant's rows only.
create or replace function audit_log_append_only() returns trigger language plpgsql as $$
begin
    if tg_op = 'DELETE' and current_setting('tenantchat.erasing_tenant', true) = old.tenant_id::text then
        return old;
    end if;
    raise exception 'audit_log is append-only (% refused)', tg_op using errcode = '42501';
end
$$;

create or replace trigger audit_log_append_only
    before update or delete on audit_log
    for each row execute function audit_log_append_only();

create or replace trigger audit_log_no_truncate
    before truncate on audit_log
    for each statement execute function audit_log_append_only();
