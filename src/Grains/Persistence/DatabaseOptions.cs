namespace TenantChat.Grains.Persistence;

/// <summary>The <c>Database</c> section of configuration.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>
    /// Runs each query that serves one tenant under the tenant role and its <c>app.tenant_id</c> (row-level security).
    /// A benchmarking switch only, to measure what the wall costs: off, those queries rely on their own
    /// <c>tenant_id</c> filters alone. Never turn it off in production.
    /// </summary>
    public bool RowLevelSecurity { get; set; } = true;
}
