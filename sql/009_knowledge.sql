-- Knowledge: every customer-data item split into chunks, each with its sentence embedding (searched in memory on
-- the silo) and a full-text vector (searched here). Chunks go with their item: deleting the item deletes them.
create table if not exists knowledge_chunks (
    tenant_id uuid not null references tenants (id),
    item_id   uuid not null references customer_data (id) on delete cascade,
    ordinal   integer not null check (ordinal >= 0),
    text      text not null,
    -- The embedding model's name: chunks embedded by another model are re-indexed, never compared.
    model     text not null,
    embedding real[] not null,
    search    tsvector generated always as (to_tsvector('english', text)) stored,
    primary key (tenant_id, item_id, ordinal)
);

create index if not exists knowledge_chunks_search_idx on knowledge_chunks using gin (search);
create index if not exists knowledge_chunks_item_idx on knowledge_chunks (item_id);

-- How far each item's indexing has come: chunk_count is counted when the item is written (the tenant's cap is
-- checked against it), indexed_at is set once the chunks of exactly this version are stored, index_error says why
-- the last attempt failed (it is retried).
alter table customer_data
    add column if not exists chunk_count integer not null default 0 check (chunk_count >= 0),
    add column if not exists indexed_at  timestamptz,
    add column if not exists index_error text;

-- Items that still need indexing, found when a tenant's knowledge is loaded.
create index if not exists customer_data_unindexed_idx on customer_data (tenant_id)
    where indexed_at is null or indexed_at < updated_at;

-- Tenant settings of knowledge retrieval and the semantic cache (contract sections 10 and 13).
alter table tenants
    add column if not exists knowledge jsonb not null
        default '{"enabled": false, "top_k": 5, "min_score": 0.3, "max_tokens": 1500}',
    add column if not exists semantic_cache jsonb not null
        default '{"enabled": false, "threshold": 0.92, "ttl_seconds": 86400}';

-- Which knowledge items an answer used, and the tokens a cache hit saved.
alter table chat_messages
    add column if not exists sources jsonb not null default '[]',
    add column if not exists tokens_saved integer not null default 0 check (tokens_saved >= 0);
