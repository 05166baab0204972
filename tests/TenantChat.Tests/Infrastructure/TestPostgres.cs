using Npgsql;

namespace TenantChat.Tests.Infrastructure;

/// <summary>The PostgreSQL server started by scripts/test.sh; each fixture gets a database of its own.</summary>
public static class TestPostgres
{
    private const string Variable = "TENANTCHAT_TEST_POSTGRES";

    public static async Task<string> CreateDatabaseAsync()
    {
        var server = Environment.GetEnvironmentVariable(Variable)
            ?? throw new InvalidOperationException($"{Variable} is not set: run the tests with scripts/test.sh, which starts PostgreSQL.");
        var name = "tc_" + Guid.NewGuid().ToString("N")[..12];
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {name}", admin);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }
}
