using Npgsql;
using TenantChat.Grains.Persistence;

namespace TenantChat.Tests.Infrastructure;

/// <summary>What the catalog says about row-level security, for the tests that hold every tenant table to it.</summary>
public static class RowLevelSecurityCatalog
{
    /// <summary>Every base table of the schema with a tenant_id column (the application tables).</summary>
    public static async Task<List<string>> TenantTablesAsync(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand("""
            select c.relname::text from pg_class c
            join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
            where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')
            order by 1
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var tables = new List<string>();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }
        return tables;
    }

    /// <summary>
    /// Each tenant table that is not behind the wall, with why: row-level security off, no policy, or the tenant role
    /// unable to read it (a tenant's own queries and its export would fail on it).
    /// </summary>
    public static async Task<List<string>> UnsecuredTablesAsync(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand("""
            select c.relname::text, c.relrowsecurity,
                   (select count(*) from pg_policy p where p.polrelid = c.oid),
                   has_table_privilege(@role, c.oid, 'select')
            from pg_class c
            join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
            where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')
            order by 1
            """);
        command.Parameters.AddWithValue("role", TenantDatabase.TenantRole);
        await using var reader = await command.ExecuteReaderAsync();
        var unsecured = new List<string>();
        while (await reader.ReadAsync())
        {
            var (table, enabled, policies, readable) = (reader.GetString(0), reader.GetBoolean(1), reader.GetInt64(2), reader.GetBoolean(3));
            if (!enabled || policies == 0 || !readable)
            {
                unsecured.Add($"{table} (row security {(enabled ? "on" : "off")}, {policies} policies, {(readable ? "" : "not ")}readable by the tenant role)");
            }
        }
        return unsecured;
    }
}
