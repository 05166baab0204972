-- The chat ledger: one row per stored exchange; its id is the message id the API returned.
create table if not exists chat_messages (
    id                uuid primary key,
    tenant_id         uuid not null references tenants (id),
    conversation_id   uuid not null,
    prompt            text not null,
    response          text not null,
    model             text not null,
    seed              integer,
    prompt_tokens     integer not null check (prompt_tokens >= 0),
    completion_tokens integer not null check (completion_tokens >= 0),
    total_tokens      integer not null check (total_tokens = prompt_tokens + completion_tokens),
    created_at        timestamptz not null
);

-- History newest first, period sums, and paging by (created_at, id).
create index if not exists chat_messages_tenant_created_idx
    on chat_messages (tenant_id, created_at desc, id desc) include (total_tokens);

-- A conversation's latest turns, always within one tenant.
create index if not exists chat_messages_tenant_conversation_idx
    on chat_messages (tenant_id, conversation_id, created_at desc, id desc);
