-- Tenants: settings, and usage totals that always equal the sum of the tenant's stored messages in the period.
create table if not exists tenants (
    id                uuid primary key,
    -- Every application table can be filtered by tenant_id alike; here it is the row's own id.
    tenant_id         uuid generated always as (id) stored,
    name              text not null,
    domain            text not null,
    system_prompt     text not null,
    model             text not null,
    seed              integer,
    allowed_models    text[] not null,
    max_context_turns integer not null default 10 check (max_context_turns >= 0),
    max_output_tokens integer not null default 512 check (max_output_tokens > 0),
    rate_limit_rpm    integer check (rate_limit_rpm > 0),
    rate_limit_tpm    integer check (rate_limit_tpm > 0),
    token_limit       bigint not null check (token_limit >= 0),
    tokens_used       bigint not null default 0 check (tokens_used >= 0),
    calls             bigint not null default 0 check (calls >= 0),
    period_start      timestamptz not null,
    status            text not null default 'active' check (status in ('active', 'suspended')),
    settings_version  integer not null default 1,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    -- Domains are stored normalized (lower case, punycode, no trailing dot), so plain equality is exact.
    constraint tenants_domain_key unique (domain),
    constraint tenants_domain_normalized check (domain = lower(domain) and domain not like '%.')
);

create index if not exists tenants_tenant_id_idx on tenants (tenant_id);
