-- Persona, capability modules, handoff phrase and the system parameter's token budget (contract section 11).
alter table tenants
    add column if not exists persona jsonb,
    add column if not exists modules jsonb not null default '[]',
    add column if not exists handoff_phrase text,
    add column if not exists max_system_tokens integer not null default 4000 check (max_system_tokens > 0);

-- Conversations as first-class rows (contract section 12). Every chat_messages row and every agent reply belongs to
-- one. message_count counts the transcript's messages: a visitor's prompt, the AI's answer when there is one, and
-- each agent reply.
create table if not exists conversations (
    id              uuid primary key,
    tenant_id       uuid not null references tenants (id),
    status          text not null default 'open' check (status in ('open', 'needs_human', 'closed')),
    channel         text not null check (channel in ('api', 'widget', 'openai')),
    created_at      timestamptz not null,
    last_message_at timestamptz not null,
    message_count   integer not null default 0 check (message_count >= 0)
);

-- Listing newest activity first, with or without a status filter, always within one tenant.
create index if not exists conversations_tenant_activity_idx
    on conversations (tenant_id, last_message_at desc, id desc);
create index if not exists conversations_tenant_status_activity_idx
    on conversations (tenant_id, status, last_message_at desc, id desc);

-- A tenant user's replies to a conversation handed to a person. Erasing the conversation erases them.
create table if not exists agent_replies (
    id              uuid primary key,
    tenant_id       uuid not null references tenants (id),
    conversation_id uuid not null references conversations (id) on delete cascade,
    author_id       uuid,
    text            text not null,
    created_at      timestamptz not null
);

create index if not exists agent_replies_tenant_conversation_idx
    on agent_replies (tenant_id, conversation_id, created_at);

-- handoff: the exchange went to a person (no answer, no tokens). erased_at: its conversation was erased; the text
-- is gone, the row and its token counts stay, so tokens_used still equals the sum of the ledger.
alter table chat_messages
    add column if not exists handoff boolean not null default false,
    add column if not exists erased_at timestamptz;

-- Conversations of the messages stored before this script: open, on the chat API, counted from their messages.
insert into conversations (id, tenant_id, status, channel, created_at, last_message_at, message_count)
select conversation_id, tenant_id, 'open', 'api', min(created_at), max(created_at),
       sum(case when response = '' then 1 else 2 end)
from chat_messages
group by conversation_id, tenant_id
on conflict (id) do nothing;
