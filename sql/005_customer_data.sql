-- Customer data a tenant's users keep, scoped to the tenant.
create table if not exists customer_data (
    id         uuid primary key,
    tenant_id  uuid not null references tenants (id),
    title      text not null,
    content    text not null,
    metadata   jsonb not null default '{}'::jsonb,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
);

create index if not exists customer_data_tenant_idx on customer_data (tenant_id, id);
