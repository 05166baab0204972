using Npgsql;

namespace TenantChat.Tests.Infrastructure;

/// <summary>The PostgreSQL server started by scripts/test.sh; each fixture gets a database of its own.</summary>
public static class TestPostgres
{
    private const string Variable = "TENANTCHAT_TEST_POSTGRES";

    /// <summary>
    /// The LOGIN role the system serves with, a member of tenantchat_app (sql/016). scripts/test.sh creates it on
    /// the server (scripts/lib/postgres.sh, deploy/postgres/serving-login.sql); the server trusts loopback.
    /// </summary>
    public static string ServingLogin => Environment.GetEnvironmentVariable("TENANTCHAT_TEST_SERVING_LOGIN") ?? "tenantchat_silo";

    /// <summary>The same database as <paramref name="ownerConnectionString"/>, logged in as <see cref="ServingLogin"/>.</summary>
    public static string ServingConnectionString(string ownerConnectionString) =>
        new NpgsqlConnectionStringBuilder(ownerConnectionString) { Username = ServingLogin, Password = null }.ConnectionString;

    /// <summary>A new empty database; the connection string is the server's superuser, who owns the schema.</summary>
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
