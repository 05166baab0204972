-- Per-tenant choice of upstream, its fallbacks, and the opt-in response cache.
alter table tenants
    add column if not exists provider text not null default 'default',
    add column if not exists fallbacks jsonb not null default '[]',
    add column if not exists response_cache_seconds integer not null default 0 check (response_cache_seconds >= 0);

-- Which configured upstream answered (null for messages stored before it was recorded), and whether the answer
-- came from the tenant's response cache instead of an upstream call.
alter table chat_messages
    add column if not exists provider text,
    add column if not exists cached boolean not null default false;

-- Cache hits in the current period, for the tenant's usage.
create index if not exists chat_messages_tenant_cached_idx
    on chat_messages (tenant_id, created_at) where cached;
