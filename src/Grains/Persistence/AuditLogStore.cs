using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>Reads of <c>audit_log</c>: pages of entries, and a tenant's chain recomputed by the database's own hash function.</summary>
public sealed class AuditLogStore(TenantDatabase db)
{
    private const string Columns = "id, tenant_id, seq, actor, action, target, changes::text, request_id, at, prev_hash, hash";

    public async Task<IReadOnlyList<AuditEntryView>> ListAsync(Guid? tenantId, int limit, long? beforeId)
    {
        const string sql = $"""
            select {Columns} from audit_log
            where (@tenant_id::uuid is null or tenant_id = @tenant_id) and (@before::bigint is null or id < @before)
            order by id desc
            limit @limit
            """;
        // Without a tenant, the operator's read across every tenant's chain.
        await using var command = tenantId is { } id ? db.CreateCommand(id, sql) : db.CreateCrossTenantCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("tenant_id", NpgsqlDbType.Uuid) { Value = (object?)tenantId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Bigint) { Value = (object?)beforeId ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync();
        var entries = new List<AuditEntryView>();
        while (await reader.ReadAsync())
        {
            entries.Add(Read(reader));
        }
        return entries;
    }

    /// <summary>
    /// Walks the chain in order, one row at a time: each entry's hash must equal the hash recomputed from its own
    /// fields, and its <c>prev_hash</c> the previous entry's hash (the first entry's: the genesis value, or, for a
    /// deleted tenant's tombstone, the head of the chain it replaced).
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(Guid tenantId)
    {
        const string sql = $"""
            select {Columns},
                   audit_entry_hash(prev_hash, tenant_id, seq, actor, action, target, changes, request_id, at)
            from audit_log where tenant_id = @tenant_id order by seq
            """;
        await using var command = db.CreateCommand(tenantId, sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        await using var reader = await command.ExecuteReaderAsync();
        long entries = 0;
        string? previousHash = null;
        while (await reader.ReadAsync())
        {
            var entry = Read(reader);
            entries++;
            var linked = previousHash is null
                ? entry.PrevHash == AuditLog.Genesis || entry.Action == AuditActions.TenantDeleted
                : entry.PrevHash == previousHash;
            if (!linked || reader.GetString(11) != entry.Hash)
            {
                return new AuditVerification(false, entries, entry);
            }
            previousHash = entry.Hash;
        }
        return new AuditVerification(true, entries, null);
    }

    private static AuditEntryView Read(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetGuid(1), r.GetInt64(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
        r.IsDBNull(7) ? null : r.GetString(7), r.GetFieldValue<DateTimeOffset>(8), r.GetString(9), r.GetString(10));
}
