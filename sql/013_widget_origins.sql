-- The sites allowed to embed a tenant's chat widget: origins ("https://shop.example.com") whose pages may call the
-- tenant's chat routes from the browser (CORS). Empty: only the tenant's own domain.
alter table tenants
    add column if not exists widget_origins text[] not null default '{}';
