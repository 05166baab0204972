using Npgsql;

namespace TenantChat.Grains.Persistence;

/// <summary>
/// The application tables, found in the catalog rather than listed: every base table of the schema with a
/// <c>tenant_id</c> column. A table added later by any feature is exported and erased without a change here.
/// Read from pg_catalog, which shows every table whatever the reader's privileges (information_schema would hide
/// from the tenant role a table it was not granted: the export would skip it silently instead of failing).
/// </summary>
public static class TenantTables
{
    /// <summary>The tenants' own table: erased last, after every table that may reference it.</summary>
    public const string Tenants = "tenants";

    public const string AuditLog = "audit_log";

    /// <summary>
    /// Columns never exported: password hashes, the system parameter and the capability modules' prompts it is
    /// assembled from, and anything named as a secret or a key.
    /// </summary>
    public static bool IsSecretColumn(string column) =>
        column is "password_hash" or "system_prompt" or "modules" || column.Contains("secret", StringComparison.Ordinal)
        || column.EndsWith("_key", StringComparison.Ordinal);

    /// <summary>
    /// Table names with their columns, ordered so that a table comes before every table its foreign keys reference
    /// (children first): deleting in this order never trips a foreign key, whatever tables exist.
    /// </summary>
    public static async Task<IReadOnlyList<(string Table, string[] Columns)>> ListAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction)
    {
        const string tablesSql = """
            select c.relname::text, array_agg(a.attname::text order by a.attnum)
            from pg_class c
            join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
            where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')
              and exists (select 1 from pg_attribute k where k.attrelid = c.oid and k.attname = 'tenant_id' and not k.attisdropped)
            group by c.relname
            order by c.relname
            """;
        const string referencesSql = """
            select child.relname::text, parent.relname::text
            from pg_constraint f
            join pg_class child on child.oid = f.conrelid
            join pg_class parent on parent.oid = f.confrelid
            where f.contype = 'f' and child.relnamespace = current_schema()::regnamespace and child.oid <> parent.oid
            """;
        var tables = new Dictionary<string, string[]>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(tablesSql, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables[reader.GetString(0)] = reader.GetFieldValue<string[]>(1);
            }
        }
        var referencedBy = tables.Keys.ToDictionary(t => t, _ => new List<string>(), StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand(referencesSql, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                if (referencedBy.TryGetValue(reader.GetString(1), out var children) && tables.ContainsKey(reader.GetString(0)))
                {
                    children.Add(reader.GetString(0));
                }
            }
        }
        var ordered = new List<string>();
        var visited = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in tables.Keys)
        {
            Visit(table);
        }
        return [.. ordered.Select(t => (t, tables[t]))];

        // Depth first: every table referencing this one is placed before it.
        void Visit(string table)
        {
            if (!visited.Add(table))
            {
                return;
            }
            referencedBy[table].ForEach(Visit);
            ordered.Add(table);
        }
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
