using System.Reflection;
using Npgsql;

namespace TenantChat.Silo.Schema;

/// <summary>
/// Applies the numbered scripts of <c>sql/</c> (embedded in this assembly) that the database has not seen yet,
/// connected as the schema owner (<c>ConnectionStrings:Migrations</c>; never the serving login). An advisory lock
/// makes migrations that start at the same moment take turns; each script runs in its own transaction and is
/// recorded in <c>schema_migrations</c>. The scripts are idempotent as well. At the end the grants of the
/// application role are applied again to every table (sql/016), so a table any script added is covered.
/// </summary>
public sealed class SchemaMigrator(NpgsqlDataSource db, ILogger<SchemaMigrator> logger)
{
    /// <summary>The function of sql/016 that secures and grants every table; absent before 016 is applied.</summary>
    private const string RegrantSql = """
        select tenantchat_secure_tenant_tables() where to_regprocedure('tenantchat_secure_tenant_tables()') is not null
        """;

    private const long LockKey = 0x7465_6e61_6e74; // "tenant", any constant shared by all silos

    public static IReadOnlyList<(string Version, string Sql)> Scripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        return [.. assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith("sql/", StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name => (Path.GetFileNameWithoutExtension(name), Read(assembly, name)))];
    }

    public async Task ApplyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, "select pg_advisory_lock(@key)", cancellationToken);
        try
        {
            await ExecuteAsync(connection, """
                create table if not exists schema_migrations (
                    version text primary key,
                    applied_at timestamptz not null default now())
                """, cancellationToken);
            var applied = await AppliedVersionsAsync(connection, cancellationToken);
            foreach (var (version, sql) in Scripts().Where(script => !applied.Contains(script.Version)))
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await ExecuteAsync(connection, sql, cancellationToken);
                await using (var record = new NpgsqlCommand("insert into schema_migrations (version) values (@version)", connection))
                {
                    record.Parameters.AddWithValue("version", version);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied schema script {Version}", version);
            }
            await ExecuteAsync(connection, RegrantSql, cancellationToken);
        }
        finally
        {
            await ExecuteAsync(connection, "select pg_advisory_unlock(@key)", CancellationToken.None);
        }
    }

    /// <summary>
    /// The embedded scripts that <c>schema_migrations</c> does not record, read with the serving login: every one
    /// of them when the table is missing or that login may not read it (the schema predates sql/016).
    /// </summary>
    public static async Task<IReadOnlyList<string>> MissingScriptsAsync(NpgsqlDataSource serving, CancellationToken cancellationToken = default)
    {
        HashSet<string> applied;
        try
        {
            await using var connection = await serving.OpenConnectionAsync(cancellationToken);
            applied = await AppliedVersionsAsync(connection, cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InsufficientPrivilege)
        {
            applied = [];
        }
        return [.. Scripts().Select(script => script.Version).Where(version => !applied.Contains(version))];
    }

    /// <summary>Whether this login may create in the schema: the owner, a superuser; never the serving login of sql/016.</summary>
    public static async Task<bool> MayChangeSchemaAsync(NpgsqlDataSource db, CancellationToken cancellationToken = default)
    {
        await using var command = db.CreateCommand("select has_schema_privilege(current_schema(), 'CREATE')");
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<HashSet<string>> AppliedVersionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("select version from schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetString(0));
        }
        return versions;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        if (sql.Contains("@key", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("key", LockKey);
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
