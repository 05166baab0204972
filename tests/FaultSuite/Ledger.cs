using Npgsql;

namespace TenantChat.FaultSuite;

/// <summary>
/// Reads <c>chat_messages</c>, the ledger the contract lets operators rely on, straight from PostgreSQL. No pooling:
/// the suite restarts the database, and a pooled connection from before would fail the first query after.
/// </summary>
public sealed class Ledger(string connectionString)
{
    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    /// <summary>Which of <paramref name="ids"/> are stored, with each one's tenant and total tokens.</summary>
    public async Task<Dictionary<Guid, (Guid TenantId, long TotalTokens)>> StoredAsync(IReadOnlyCollection<Guid> ids)
    {
        const string Sql = """
            select id, tenant_id, total_tokens
            from chat_messages
            where id = any(@ids)
            """;
        var stored = new Dictionary<Guid, (Guid, long)>();
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            stored[reader.GetGuid(0)] = (reader.GetGuid(1), reader.GetInt32(2));
        }
        return stored;
    }

    /// <summary>The sum of total_tokens of the tenant's messages stored since <paramref name="periodStart"/>, and their count.</summary>
    public async Task<(long Tokens, long Messages)> SumAsync(Guid tenantId, DateTimeOffset periodStart)
    {
        const string Sql = """
            select coalesce(sum(total_tokens), 0), count(*)
            from chat_messages
            where tenant_id = @tenant and created_at >= @period_start
            """;
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("period_start", periodStart);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>
    /// Prompts stored more than once for one tenant. The suite never sends a prompt twice, so each is a call
    /// stored twice (a retry that was not idempotent).
    /// </summary>
    public async Task<long> DuplicatesAsync(IReadOnlyCollection<Guid> tenantIds)
    {
        const string Sql = """
            select count(*)
            from (
                select 1
                from chat_messages
                where tenant_id = any(@tenants)
                group by tenant_id, prompt
                having count(*) > 1
            ) duplicated
            """;
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(Sql, connection);
        command.Parameters.AddWithValue("tenants", tenantIds.ToArray());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        return connection;
    }
}
