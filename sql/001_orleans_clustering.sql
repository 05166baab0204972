-- Orleans ADO.NET clustering (membership table and gateway list) for PostgreSQL 15: tables and query texts.

-- The providers send these identifiers unquoted, so they must be lower case.
-- Shared with the persistence script (002), which creates it identically.
create table if not exists orleansquery
(
    querykey  text primary key,
    querytext text not null
);

-- One version counter per cluster (DeploymentId). Every membership change must
-- raise it by one in the same statement; heartbeats and cleanup leave it alone.
create table if not exists orleansmembershipversion
(
    deploymentid text primary key,
    version      integer not null default 0 check (version >= 0),
    updatedat    timestamptz not null default now()
);

-- One row per silo incarnation; (address, port, generation) identifies it within a cluster.
create table if not exists orleansmembership
(
    deploymentid text not null references orleansmembershipversion (deploymentid),
    address      text not null,
    port         integer not null,
    generation   integer not null,
    siloname     text not null,
    hostname     text not null,
    status       integer not null,
    proxyport    integer not null,
    suspecttimes text,
    starttime    timestamptz not null,
    iamalivetime timestamptz not null,
    primary key (deploymentid, address, port, generation)
);

-- Design notes for the texts below:
-- * Texts use only the parameters Orleans 10.4.2 sends for each key; an unknown @name
--   would be left in the text and fail as "column does not exist".
-- * Membership writes (insert/update) are one statement: lock the version row only if it
--   still holds @Version (and is below int max), write the member row, then bump the
--   version only if that write happened. So either both change or neither does, and a
--   stale or exhausted version returns false.
-- * "for no key update" matches the lock the bump itself takes, and does not block the
--   foreign-key checks of other statements.
-- * Result columns are aliased to the names the provider looks up.
insert into orleansquery (querykey, querytext)
values
-- Safe when several silos start at once: true only for the one that created the row.
('InsertMembershipVersionKey', $$
with created as (
    insert into orleansmembershipversion (deploymentid)
    values (@DeploymentId)
    on conflict (deploymentid) do nothing
    returning 1
)
select exists (select 1 from created);
$$),

-- False when the version is stale or the member already exists. The insert has no
-- ON CONFLICT: a duplicate that slipped past the check errors and rolls back the whole
-- statement instead of leaving a version bump behind.
('InsertMembershipKey', $$
with current_version as (
    select deploymentid
    from orleansmembershipversion
    where deploymentid = @DeploymentId
      and version = @Version
      and version < 2147483647
    for no key update
),
inserted as (
    insert into orleansmembership
        (deploymentid, address, port, generation, siloname, hostname,
         status, proxyport, starttime, iamalivetime)
    select v.deploymentid, @Address, @Port, @Generation, @SiloName, @HostName,
           @Status, @ProxyPort, @StartTime, @IAmAliveTime
    from current_version v
    where not exists (
        select 1
        from orleansmembership m
        where m.deploymentid = v.deploymentid
          and m.address = @Address
          and m.port = @Port
          and m.generation = @Generation)
    returning deploymentid
),
bumped as (
    update orleansmembershipversion v
    set version = v.version + 1,
        updatedat = now()
    from inserted i
    where v.deploymentid = i.deploymentid
    returning 1
)
select exists (select 1 from bumped);
$$),

-- Changes only Status, SuspectTimes and IAmAliveTime (never backwards).
('UpdateMembershipKey', $$
with current_version as (
    select deploymentid
    from orleansmembershipversion
    where deploymentid = @DeploymentId
      and version = @Version
      and version < 2147483647
    for no key update
),
updated as (
    update orleansmembership m
    set status = @Status,
        suspecttimes = @SuspectTimes,
        iamalivetime = greatest(m.iamalivetime, @IAmAliveTime)
    from current_version v
    where m.deploymentid = v.deploymentid
      and m.address = @Address
      and m.port = @Port
      and m.generation = @Generation
    returning m.deploymentid
),
bumped as (
    update orleansmembershipversion v
    set version = v.version + 1,
        updatedat = now()
    from updated u
    where v.deploymentid = u.deploymentid
    returning 1
)
select exists (select 1 from bumped);
$$),

-- Heartbeat: no version check or change; only ever moves IAmAliveTime forward.
('UpdateIAmAlivetimeKey', $$
update orleansmembership
set iamalivetime = @IAmAliveTime
where deploymentid = @DeploymentId
  and address = @Address
  and port = @Port
  and generation = @Generation
  and iamalivetime < @IAmAliveTime;
$$),

-- Reads: the version row outer-joined with members, so there is always at least one
-- row carrying the version, with NULL member columns when no member matches.
('MembershipReadRowKey', $$
select v.deploymentid as "DeploymentId",
       m.address      as "Address",
       m.port         as "Port",
       m.generation   as "Generation",
       m.siloname     as "SiloName",
       m.hostname     as "HostName",
       m.status       as "Status",
       m.proxyport    as "ProxyPort",
       m.suspecttimes as "SuspectTimes",
       m.starttime    as "StartTime",
       m.iamalivetime as "IAmAliveTime",
       v.version      as "Version"
from orleansmembershipversion v
left join orleansmembership m
       on m.deploymentid = v.deploymentid
      and m.address = @Address
      and m.port = @Port
      and m.generation = @Generation
where v.deploymentid = @DeploymentId;
$$),

('MembershipReadAllKey', $$
select v.deploymentid as "DeploymentId",
       m.address      as "Address",
       m.port         as "Port",
       m.generation   as "Generation",
       m.siloname     as "SiloName",
       m.hostname     as "HostName",
       m.status       as "Status",
       m.proxyport    as "ProxyPort",
       m.suspecttimes as "SuspectTimes",
       m.starttime    as "StartTime",
       m.iamalivetime as "IAmAliveTime",
       v.version      as "Version"
from orleansmembershipversion v
left join orleansmembership m
       on m.deploymentid = v.deploymentid
where v.deploymentid = @DeploymentId;
$$),

('GatewaysQueryKey', $$
select address    as "Address",
       proxyport  as "ProxyPort",
       generation as "Generation"
from orleansmembership
where deploymentid = @DeploymentId
  and status = @Status
  and proxyport > 0;
$$),

-- Members and version row go together in one statement (members first for the foreign key).
('DeleteMembershipTableEntriesKey', $$
with removed_members as (
    delete from orleansmembership
    where deploymentid = @DeploymentId
)
delete from orleansmembershipversion
where deploymentid = @DeploymentId;
$$),

-- Bulk fallback cleanup (used only without the per-row key below). Dead rows only:
-- the cutoff can be as recent as one hour, and slow Joining or ShuttingDown silos
-- must survive it. Version is untouched.
('CleanupDefunctSiloEntriesKey', $$
delete from orleansmembership
where deploymentid = @DeploymentId
  and status = 6
  and iamalivetime < @IAmAliveTime
  and starttime < @IAmAliveTime
  and (suspecttimes is null or btrim(suspecttimes) = '');
$$),

-- Per-row cleanup with the values just read: deletes nothing if the row changed
-- since. NULL and '' both mean "no votes". Version is untouched.
('CleanupDefunctSiloEntryKey', $$
delete from orleansmembership
where deploymentid = @DeploymentId
  and address = @Address
  and port = @Port
  and generation = @Generation
  and status = 6
  and starttime = @StartTime
  and iamalivetime = @IAmAliveTime
  and coalesce(suspecttimes, '') = coalesce(@SuspectTimes, '');
$$)
on conflict (querykey) do update set querytext = excluded.querytext;
