using Npgsql;

namespace TenantChat.Bench;

/// <summary>
/// Counts what the database did between two snapshots: statements per normalized query (pg_stat_statements),
/// transaction ids handed out (one per write transaction), and stored chat messages. Its own queries name
/// pg_stat_statements and are left out of the counts.
/// </summary>
public sealed class DatabaseProbe(NpgsqlConnection connection) : IAsyncDisposable
{
    public sealed record class Snapshot(Dictionary<long, (string Query, long Calls)> Statements, long TransactionId, long Messages);

    public static async Task<DatabaseProbe> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return new DatabaseProbe(connection);
    }

    /// <summary>The server's version and the settings that decide what a commit costs.</summary>
    public async Task<string> DescribeAsync()
    {
        const string sql = """
            select 'PostgreSQL ' || current_setting('server_version') || ' (' || string_agg(name || '=' || setting, ', ' order by name) || ')'
            from pg_settings
            where name in ('fsync', 'synchronous_commit', 'shared_buffers', 'max_connections', 'shared_preload_libraries', 'wal_sync_method')
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    public async Task<Snapshot> TakeAsync()
    {
        // One statement, so one transaction: it takes exactly one transaction id of its own.
        const string sql = """
            select s.queryid, s.query, s.calls, pg_current_xact_id()::text::bigint, (select count(*) from chat_messages)
            from (select 0::bigint as queryid, '' as query, 0::bigint as calls
                  union all
                  select queryid, query, calls from pg_stat_statements
                  where queryid is not null and query not like '%pg_stat_statements%') s
            """;
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var statements = new Dictionary<long, (string, long)>();
        long transactionId = 0, messages = 0;
        while (await reader.ReadAsync())
        {
            statements[reader.GetInt64(0)] = (reader.GetString(1), reader.GetInt64(2));
            transactionId = reader.GetInt64(3);
            messages = reader.GetInt64(4);
        }
        return new Snapshot(statements, transactionId, messages);
    }

    public static DatabaseUse Between(Snapshot before, Snapshot after, long chatCallsOk)
    {
        var deltas = after.Statements
            .Where(entry => entry.Key != 0)
            .Select(entry => (entry.Value.Query, Calls: entry.Value.Calls - (before.Statements.TryGetValue(entry.Key, out var b) ? b.Calls : 0)))
            .Where(entry => entry.Calls > 0)
            .OrderByDescending(entry => entry.Calls)
            .ToList();
        var statements = deltas.Sum(entry => entry.Calls);
        var reads = deltas.Where(entry => IsRead(entry.Query)).Sum(entry => entry.Calls);
        var writeTransactions = after.TransactionId - before.TransactionId - 1; // less our own "before" snapshot
        double PerCall(long value) => chatCallsOk == 0 ? 0 : Math.Round((double)value / chatCallsOk, 3);
        return new DatabaseUse(
            chatCallsOk, after.Messages - before.Messages, statements, writeTransactions, reads,
            PerCall(statements), PerCall(writeTransactions + reads),
            [.. deltas.Take(8).Select(entry => new StatementUse(OneLine(entry.Query), entry.Calls))]);
    }

    /// <summary>A read-only statement. The writer's row locks ("for no key update") travel with its batch, in its round trip.</summary>
    private static bool IsRead(string query) =>
        query.TrimStart().StartsWith("select", StringComparison.OrdinalIgnoreCase) && !query.Contains("for no key update", StringComparison.OrdinalIgnoreCase);

    private static string OneLine(string query)
    {
        var line = string.Join(' ', query.Split((char[])['\n', '\r', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries));
        return line.Length <= 160 ? line : line[..157] + "...";
    }

    public ValueTask DisposeAsync() => connection.DisposeAsync();
}
