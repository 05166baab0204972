-- The account lifecycle: an account can be disabled, and every change of its role or status (and its deletion)
-- makes the tokens issued before it worthless. A token carries the account's security stamp of the moment it was
-- issued; the tenant's accounts grain refuses a token whose stamp is no longer the account's.
alter table accounts add column if not exists status text not null default 'active'
    check (status in ('active', 'disabled'));
alter table accounts add column if not exists security_stamp bigint not null default 0;

-- Keyset paging over a tenant's accounts, oldest first (ids are UUIDv7, ordered by creation).
create index if not exists accounts_tenant_id_idx on accounts (tenant_id, id);
