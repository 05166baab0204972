using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Npgsql;

namespace TenantChat.Grains.Persistence;

/// <summary>A tenant's data rights: every row of it exported, or erased, across every application table.</summary>
public sealed class TenantDataStore(TenantDatabase db)
{
    /// <summary>
    /// Every row of the tenant, table by table, as JSON text without its secret columns, read from one consistent
    /// snapshot and streamed as the database returns it (nothing is gathered in memory). It serves one tenant, so
    /// the row-level policies stand behind its filter too.
    /// </summary>
    public async IAsyncEnumerable<(string Table, string Row)> ExportAsync(Guid tenantId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await db.BeginAsync(connection, tenantId, System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        foreach (var (table, columns) in await TenantTables.ListAsync(connection, transaction))
        {
            var sql = $"select (to_jsonb(t) - @secret_columns)::text from {TenantTables.Quote(table)} t where tenant_id = @tenant_id";
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            command.Parameters.AddWithValue("tenant_id", tenantId);
            command.Parameters.AddWithValue("secret_columns", columns.Where(TenantTables.IsSecretColumn).ToArray());
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                yield return (table, reader.GetString(0));
            }
        }
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Erases every row of the tenant in every application table, in one transaction. Its audit chain is replaced
    /// by one tombstone entry that links to the erased chain's head and counts the rows erased per table.
    /// </summary>
    /// <remarks>
    /// On the connection's own role (tenantchat_app, across tenants): only it may remove a tenant's row and its
    /// audit chain, which the tenant role is never granted. Every statement filters by the one tenant.
    /// </remarks>
    /// <returns>False when the tenant has no row (nothing was erased).</returns>
    public async Task<bool> EraseAsync(Guid tenantId, string domain)
    {
        await using var connection = await db.Unscoped.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var mark = new NpgsqlCommand("select set_config('tenantchat.erasing_tenant', @tenant_id, true)", connection, transaction))
        {
            mark.Parameters.AddWithValue("tenant_id", tenantId.ToString());
            await mark.ExecuteNonQueryAsync();
        }
        var erased = new JsonObject();
        foreach (var (table, _) in await TenantTables.ListAsync(connection, transaction))
        {
            if (table != TenantTables.AuditLog)
            {
                await using var delete = new NpgsqlCommand($"delete from {TenantTables.Quote(table)} where tenant_id = @tenant_id", connection, transaction);
                delete.Parameters.AddWithValue("tenant_id", tenantId);
                erased[table] = await delete.ExecuteNonQueryAsync();
            }
        }
        if (erased[TenantTables.Tenants]?.GetValue<int>() != 1)
        {
            await transaction.RollbackAsync();
            return false;
        }
        // The tombstone first, so it links to the head of the chain about to be erased; then the chain before it.
        var tombstone = AuditEntry.ByCaller(tenantId, AuditActions.TenantDeleted, AuditActions.TenantTarget(tenantId),
            new JsonObject { ["domain"] = domain, ["rows_erased"] = erased });
        await AuditLog.AppendAsync(connection, transaction, tombstone);
        await using (var chain = new NpgsqlCommand("""
            delete from audit_log
            where tenant_id = @tenant_id and seq < (select max(seq) from audit_log where tenant_id = @tenant_id)
            """, connection, transaction))
        {
            chain.Parameters.AddWithValue("tenant_id", tenantId);
            await chain.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
        return true;
    }
}
