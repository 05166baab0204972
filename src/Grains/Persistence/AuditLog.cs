using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>One change to record: what was done to which target; the actor and request come from <see cref="AuditCaller"/>.</summary>
public sealed record class AuditEntry(Guid TenantId, string Actor, string Action, string Target, JsonObject Changes, string? RequestId)
{
    public static AuditEntry ByCaller(Guid tenantId, string action, string target, JsonObject? changes = null) =>
        new(tenantId, AuditCaller.Actor, action, target, changes ?? [], AuditCaller.RequestId);
}

/// <summary>
/// The <c>audit_log</c> table. Stores append an entry with the connection and transaction of the change it
/// records, so a change never lands without its entry (nor an entry without its change).
/// </summary>
public static class AuditLog
{
    /// <summary>The <c>prev_hash</c> of a chain's first entry.</summary>
    public static readonly string Genesis = new('0', 64);

    /// <summary>
    /// Appends under the tenant's advisory lock, held to the end of the transaction: concurrent appenders for one
    /// tenant (two silos, a grain and a stateless worker) take turns, so each links to the head it read. The
    /// two-key lock space is distinct from the single-key one the schema migrator uses.
    /// </summary>
    private const string AppendSql = """
        select pg_advisory_xact_lock(1096107348, hashtext(@tenant_id::text));
        with head as (
            select seq, hash from audit_log where tenant_id = @tenant_id order by seq desc limit 1
        ), next as (
            select coalesce((select seq from head), 0) + 1 as seq,
                   coalesce((select hash from head), @genesis) as prev_hash,
                   date_trunc('microseconds', clock_timestamp()) as at
        )
        insert into audit_log (tenant_id, seq, actor, action, target, changes, request_id, at, prev_hash, hash)
        select @tenant_id, n.seq, @actor, @action, @target, @changes, @request_id, n.at, n.prev_hash,
               audit_entry_hash(n.prev_hash, @tenant_id, n.seq, @actor, @action, @target, @changes, @request_id, n.at)
        from next n
        """;

    public static async Task AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AuditEntry entry)
    {
        await using var command = new NpgsqlCommand(AppendSql, connection, transaction);
        var p = command.Parameters;
        p.AddWithValue("tenant_id", entry.TenantId);
        p.AddWithValue("genesis", Genesis);
        p.AddWithValue("actor", entry.Actor);
        p.AddWithValue("action", entry.Action);
        p.AddWithValue("target", entry.Target);
        p.Add(new NpgsqlParameter("changes", NpgsqlDbType.Jsonb) { Value = entry.Changes.ToJsonString() });
        p.Add(new NpgsqlParameter("request_id", NpgsqlDbType.Text) { Value = (object?)entry.RequestId ?? DBNull.Value });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Runs <paramref name="change"/> and commits it together with the entry <paramref name="entryFor"/> makes of
    /// its result; null when the result shows nothing changed (nothing to record). The transaction serves
    /// <paramref name="tenantId"/> only (<see cref="TenantDatabase.BeginAsync"/>).
    /// </summary>
    public static async Task<T> InTransactionAsync<T>(TenantDatabase db, Guid tenantId,
        Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> change, Func<T, AuditEntry?> entryFor)
    {
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await db.BeginAsync(connection, tenantId);
        var result = await change(connection, transaction);
        if (entryFor(result) is { } entry)
        {
            await AppendAsync(connection, transaction, entry);
        }
        await transaction.CommitAsync();
        return result;
    }
}
