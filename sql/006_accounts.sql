-- A tenant's users. The same email may sign up on several tenants; within one tenant it is unique.
create table if not exists accounts (
    id            uuid primary key,
    tenant_id     uuid not null references tenants (id),
    email         text not null check (email = lower(email)),
    display_name  text,
    password_hash text not null,
    role          text not null check (role in ('admin', 'member')),
    created_at    timestamptz not null default now(),
    constraint accounts_tenant_email_key unique (tenant_id, email)
);
