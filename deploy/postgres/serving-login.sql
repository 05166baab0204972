-- The LOGIN role the silos and frontends serve with, made a member of tenantchat_app (sql/016). Run by the
-- deployment as the schema owner, with psql:
--     psql -v ON_ERROR_STOP=1 -v login=tenantchat_silo -f serving-login.sql
-- The password, if any, comes from the environment variable TENANTCHAT_DB_PASSWORD and never from this file;
-- without it the role has no password (local and test servers trust loopback). Idempotent: run it on every start,
-- and a changed password in .env is applied. tenantchat_app is made here too if no migration has made it yet;
-- sql/016 holds it to its attributes either way.
\getenv password TENANTCHAT_DB_PASSWORD
\if :{?password}
\else
\set password ''
\endif

select format('create role %I login', :'login')
where not exists (select 1 from pg_roles where rolname = :'login') \gexec

select 'create role tenantchat_app nologin nosuperuser nocreatedb nocreaterole inherit nobypassrls'
where not exists (select 1 from pg_roles where rolname = 'tenantchat_app') \gexec

-- Never more than a plain login: whatever it was given before, it is no superuser, cannot bypass row-level
-- security and cannot create roles or databases.
select format('alter role %I login nosuperuser nocreatedb nocreaterole inherit nobypassrls password %L',
              :'login', nullif(:'password', '')) \gexec

select format('grant tenantchat_app to %I', :'login')
where not pg_has_role(:'login', 'tenantchat_app', 'member') \gexec
