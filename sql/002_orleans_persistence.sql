-- Orleans ADO.NET grain persistence for PostgreSQL 15: grain state table and query texts.

-- Same definition as in 001, so this script also works on its own.
create table if not exists orleansquery
(
    querykey  text primary key,
    querytext text not null
);

-- One row per (service, state name, grain key). The hashes are only narrow lookup
-- keys computed by Orleans; different identities may share them.
create table if not exists orleansstorage
(
    grainidhash            integer not null,
    grainidn0              bigint not null,
    grainidn1              bigint not null,
    graintypehash          integer not null,
    graintypestring        text not null,
    grainidextensionstring text,
    serviceid              text not null,
    payloadbinary          bytea,
    version                integer not null,
    modifiedon             timestamptz not null default now()
);

-- Lookup path for every query.
create index if not exists orleansstorage_hashes_ix
    on orleansstorage (grainidhash, graintypehash);

-- Full identity is unique, with NULL extensions (integer and Guid keys) treated as equal.
-- The extension holds whole string keys, which can outgrow a b-tree entry, so it is
-- indexed by its md5 (md5(NULL) stays NULL).
create unique index if not exists orleansstorage_identity_ux
    on orleansstorage (serviceid, graintypestring, grainidn0, grainidn1,
                       md5(grainidextensionstring))
    nulls not distinct;

-- Design notes for the texts below:
-- * Every text matches the full identity (NULL-safe on the extension) besides the hashes.
-- * A conflict is signalled by returning no row; a version is returned only when the
--   row was really written.
-- * Versions stay in int range: after 2147483647 the next version is 1 instead of an
--   "integer out of range" error, so a very hot grain keeps working.
-- * Write with a NULL GrainStateVersion inserts version 1; "on conflict do nothing"
--   turns a concurrent or stale first write into a conflict instead of a duplicate.
insert into orleansquery (querykey, querytext)
values
('ReadFromStorageKey', $$
select payloadbinary as "PayloadBinary",
       version       as "Version"
from orleansstorage
where grainidhash = @GrainIdHash
  and graintypehash = @GrainTypeHash
  and serviceid = @ServiceId
  and graintypestring = @GrainTypeString
  and grainidn0 = @GrainIdN0
  and grainidn1 = @GrainIdN1
  and grainidextensionstring is not distinct from @GrainIdExtensionString;
$$),

-- Update path when the grain holds a version, insert path when it holds none;
-- at most one of the two can return a row.
('WriteToStorageKey', $$
with updated as (
    update orleansstorage
    set payloadbinary = @PayloadBinary,
        version = case when version = 2147483647 then 1 else version + 1 end,
        modifiedon = now()
    where grainidhash = @GrainIdHash
      and graintypehash = @GrainTypeHash
      and serviceid = @ServiceId
      and graintypestring = @GrainTypeString
      and grainidn0 = @GrainIdN0
      and grainidn1 = @GrainIdN1
      and grainidextensionstring is not distinct from @GrainIdExtensionString
      and version = @GrainStateVersion
    returning version
),
inserted as (
    insert into orleansstorage
        (grainidhash, grainidn0, grainidn1, graintypehash, graintypestring,
         grainidextensionstring, serviceid, payloadbinary, version)
    select @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
           @GrainIdExtensionString, @ServiceId, @PayloadBinary, 1
    where @GrainStateVersion is null
    on conflict do nothing
    returning version
)
select version as "NewGrainStateVersion" from updated
union all
select version from inserted;
$$),

-- Keeps the row as a tombstone (NULL payload) with a new version.
('ClearStorageKey', $$
update orleansstorage
set payloadbinary = null,
    version = case when version = 2147483647 then 1 else version + 1 end,
    modifiedon = now()
where grainidhash = @GrainIdHash
  and graintypehash = @GrainTypeHash
  and serviceid = @ServiceId
  and graintypestring = @GrainTypeString
  and grainidn0 = @GrainIdN0
  and grainidn1 = @GrainIdN1
  and grainidextensionstring is not distinct from @GrainIdExtensionString
  and version = @GrainStateVersion
returning version as "NewGrainStateVersion";
$$),

-- Used only with DeleteStateOnClear = true. Any non-NULL value other than the sent
-- version means success, so return the version the row would have had next.
('DeleteStorageKey', $$
delete from orleansstorage
where grainidhash = @GrainIdHash
  and graintypehash = @GrainTypeHash
  and serviceid = @ServiceId
  and graintypestring = @GrainTypeString
  and grainidn0 = @GrainIdN0
  and grainidn1 = @GrainIdN1
  and grainidextensionstring is not distinct from @GrainIdExtensionString
  and version = @GrainStateVersion
returning case when version = 2147483647 then 1 else version + 1 end as "NewGrainStateVersion";
$$)
on conflict (querykey) do update set querytext = excluded.querytext;
