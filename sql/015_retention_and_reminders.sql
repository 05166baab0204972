-- Message retention (contract section 14) and the durable Orleans reminders that drive its daily purge.

-- Tenant setting retention_days: messages older than this many days are erased daily. Null keeps everything.
alter table tenants
    add column if not exists retention_days integer check (retention_days between 1 and 3650);

-- What purged messages were charged and cost, per UTC day and model. A purge folds each deleted row in here in the
-- same statement that deletes it, so the period's cost, cache savings and daily rollups stay what they were, and
-- tokens_used (a counter on tenants, never recomputed from rows) still equals the stored ledger plus this table.
create table if not exists purged_message_usage (
    tenant_id    uuid not null references tenants (id),
    day          date not null,
    model        text not null,
    calls        bigint not null default 0,
    tokens       bigint not null default 0,
    cost_usd     numeric(20, 10) not null default 0,
    cache_hits   bigint not null default 0,
    tokens_saved bigint not null default 0,
    primary key (tenant_id, day, model)
);

-- The new tenant table gets row-level security like every other (sql/014): its policy, and the tenant role's grants.
select tenantchat_secure_tenant_tables();

-- Agent replies older than a cutoff, across a tenant's conversations.
create index if not exists agent_replies_tenant_created_idx
    on agent_replies (tenant_id, created_at);

-- Orleans ADO.NET reminders. The providers send identifiers unquoted, so everything is lower case; the query
-- registry is the one of 001 and 002 (created here too, so the script stands on its own).
create table if not exists orleansquery
(
    querykey  text primary key,
    querytext text not null
);

-- One row per (service, grain, reminder name). grainid is GrainId.ToString() kept verbatim (text: generic grain types
-- outgrow a short varchar); period is in milliseconds and may exceed int; grainhash places the grain on the ring.
create table if not exists orleansreminders
(
    serviceid    text not null,
    grainid      text not null,
    remindername text not null,
    starttime    timestamptz not null,
    period       bigint not null,
    grainhash    integer not null,
    version      integer not null,
    primary key (serviceid, grainid, remindername)
);

-- Each silo reads the reminders of its range of the ring.
create index if not exists orleansreminders_ring_ix
    on orleansreminders (serviceid, grainhash);

-- Design notes for the texts below:
-- * Results are named as the provider reads them (GrainId, ReminderName, StartTime, Period, Version).
-- * An upsert bumps the version (wrapping to 0 instead of overflowing int); a delete succeeds only with the
--   version the caller read, and says so with one boolean.
-- * Ring ranges are (BeginHash, EndHash] on signed ints; Rows2 is the range that wraps past the end.
insert into orleansquery (querykey, querytext)
values
('UpsertReminderRowKey', $$
insert into orleansreminders (serviceid, grainid, remindername, starttime, period, grainhash, version)
values (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
on conflict (serviceid, grainid, remindername) do update
set starttime = excluded.starttime,
    period = excluded.period,
    grainhash = excluded.grainhash,
    version = case when orleansreminders.version = 2147483647 then 0 else orleansreminders.version + 1 end
returning version as "Version";
$$),

('ReadReminderRowsKey', $$
select grainid as "GrainId", remindername as "ReminderName", starttime as "StartTime", period as "Period", version as "Version"
from orleansreminders
where serviceid = @ServiceId
  and grainid = @GrainId;
$$),

('ReadReminderRowKey', $$
select grainid as "GrainId", remindername as "ReminderName", starttime as "StartTime", period as "Period", version as "Version"
from orleansreminders
where serviceid = @ServiceId
  and grainid = @GrainId
  and remindername = @ReminderName;
$$),

('ReadRangeRows1Key', $$
select grainid as "GrainId", remindername as "ReminderName", starttime as "StartTime", period as "Period", version as "Version"
from orleansreminders
where serviceid = @ServiceId
  and grainhash > @BeginHash
  and grainhash <= @EndHash;
$$),

('ReadRangeRows2Key', $$
select grainid as "GrainId", remindername as "ReminderName", starttime as "StartTime", period as "Period", version as "Version"
from orleansreminders
where serviceid = @ServiceId
  and (grainhash > @BeginHash or grainhash <= @EndHash);
$$),

('DeleteReminderRowKey', $$
with deleted as (
    delete from orleansreminders
    where serviceid = @ServiceId
      and grainid = @GrainId
      and remindername = @ReminderName
      and version = @Version
    returning 1
)
select count(*) > 0 from deleted;
$$),

('DeleteReminderRowsKey', $$
delete from orleansreminders
where serviceid = @ServiceId;
$$)
on conflict (querykey) do update set querytext = excluded.querytext;
