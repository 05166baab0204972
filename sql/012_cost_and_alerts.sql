-- What each stored exchange cost, in USD, priced when it was written (Pricing:Models in configuration): a later
-- change of prices leaves old messages' cost as it was. Null for messages stored before costs were recorded.
alter table chat_messages add column if not exists cost_usd numeric(20, 10);

-- Usage alerts: the tenant's webhook settings ({ "webhook_url", "thresholds" }, null when none) and the secret its
-- deliveries are signed with (shown once, when set).
alter table tenants
    add column if not exists alerts jsonb,
    add column if not exists webhook_secret text;

-- A threshold fires once per budget period, cluster-wide and across restarts: the fact is stored, and the key refuses
-- a second firing whoever tries.
create table if not exists usage_alert_firings (
    tenant_id    uuid not null references tenants (id),
    period_start timestamptz not null,
    threshold    integer not null,
    fired_at     timestamptz not null,
    primary key (tenant_id, period_start, threshold)
);

-- The durable outbox of webhook events, written in the transaction that decides them and drained by every silo.
create table if not exists webhook_outbox (
    id              uuid primary key,
    tenant_id       uuid not null references tenants (id),
    event_type      text not null,
    url             text not null,
    -- Exactly the bytes sent and signed.
    body            text not null,
    attempts        integer not null default 0,
    next_attempt_at timestamptz not null,
    created_at      timestamptz not null,
    delivered_at    timestamptz,
    last_status     text
);

create index if not exists webhook_outbox_due_idx on webhook_outbox (next_attempt_at) where delivered_at is null;
create index if not exists webhook_outbox_tenant_idx on webhook_outbox (tenant_id);
