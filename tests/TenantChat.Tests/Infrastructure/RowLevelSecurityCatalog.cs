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

    /// <summary>The NOLOGIN role of the serving logins (sql/016).</summary>
    public const string AppRole = "tenantchat_app";

    /// <summary>
    /// Each tenant table that is not behind the wall, with why: row-level security off, no policy, the tenant role
    /// unable to read it (a tenant's own queries and its export would fail on it), or the application role without
    /// its grants or its cross-tenant policy (its erasure and cross-tenant paths would fail or see nothing), or
    /// able to truncate it.
    /// </summary>
    public static async Task<List<string>> UnsecuredTablesAsync(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand("""
            select c.relname::text, c.relrowsecurity,
                   (select count(*) from pg_policy p where p.polrelid = c.oid),
                   has_table_privilege(@role, c.oid, 'select'),
                   has_table_privilege(@app, c.oid, 'select, insert, delete')
                   and exists (select 1 from pg_policy p where p.polrelid = c.oid and p.polname = 'cross_tenant_paths'
                               and p.polroles = array[@app::regrole::oid]),
                   has_table_privilege(@app, c.oid, 'truncate')
            from pg_class c
            join pg_attribute a on a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped
            where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')
            order by 1
            """);
        command.Parameters.AddWithValue("role", TenantDatabase.TenantRole);
        command.Parameters.AddWithValue("app", AppRole);
        await using var reader = await command.ExecuteReaderAsync();
        var unsecured = new List<string>();
        while (await reader.ReadAsync())
        {
            var (table, enabled, policies, readable) = (reader.GetString(0), reader.GetBoolean(1), reader.GetInt64(2), reader.GetBoolean(3));
            var (appGranted, appTruncates) = (reader.GetBoolean(4), reader.GetBoolean(5));
            if (!enabled || policies == 0 || !readable || !appGranted || appTruncates)
            {
                unsecured.Add($"{table} (row security {(enabled ? "on" : "off")}, {policies} policies, "
                    + $"{(readable ? "" : "not ")}readable by the tenant role, "
                    + $"{(appGranted ? "" : "not ")}granted to the application role{(appTruncates ? ", which may truncate it" : "")})");
            }
        }
        return unsecured;
    }
}
