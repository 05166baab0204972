using System.Data;
using Microsoft.Extensions.Options;
using Npgsql;

namespace TenantChat.Grains.Persistence;

/// <summary>
/// The database as the stores use it. Work that serves one tenant goes through <see cref="CreateCommand"/> or
/// <see cref="BeginAsync"/>: its transaction runs under <see cref="TenantRole"/> with <c>app.tenant_id</c> set, so
/// the row-level security policies (sql/014) show and accept only that tenant's rows, even to a query that forgot
/// its own <c>tenant_id</c> filter. <see cref="Unscoped"/> is the connection's own role: the serving login, a member
/// of <c>tenantchat_app</c> (sql/016), never the schema owner. Its policy <c>cross_tenant_paths</c> lets it see every
/// tenant, within its grants (no DDL, no TRUNCATE, no audit UPDATE): only for the few paths that serve several
/// tenants at once, each named in docs/behaviour.md, "Row-level security".
/// </summary>
public sealed class TenantDatabase(NpgsqlDataSource source, IOptions<DatabaseOptions> options)
{
    /// <summary>With row-level security on, as configured by default (tools and tests that build stores themselves).</summary>
    public TenantDatabase(NpgsqlDataSource source)
        : this(source, Options.Create(new DatabaseOptions()))
    {
    }

    /// <summary>The role tenant-serving transactions switch to: no login, no BYPASSRLS, owner of nothing.</summary>
    public const string TenantRole = "tenantchat_tenant";

    /// <summary>Both settings local to the transaction: they end with it, and a pooled connection keeps neither.</summary>
    private const string ScopeSql = "select set_config('role', @role, true), set_config('app.tenant_id', @tenant_id, true)";

    /// <summary>The connection's own role (tenantchat_app), across tenants: the cross-tenant paths only.</summary>
    public NpgsqlDataSource Unscoped => source;

    public bool RowLevelSecurity { get; } = options.Value.RowLevelSecurity;

    /// <summary>
    /// One statement for one tenant, sent in one round trip together with the statement that scopes it: both run in
    /// the batch's implicit transaction, so the scope ends with the statement.
    /// </summary>
    public StoreCommand CreateCommand(Guid tenantId, string sql)
    {
        var batch = source.CreateBatch();
        if (RowLevelSecurity)
        {
            var scope = new NpgsqlBatchCommand(ScopeSql);
            AddScope(scope.Parameters, tenantId);
            batch.BatchCommands.Add(scope);
        }
        var statement = new NpgsqlBatchCommand(sql);
        batch.BatchCommands.Add(statement);
        return new StoreCommand(batch, statement, scoped: RowLevelSecurity);
    }

    /// <summary>One statement on the connection's own role (tenantchat_app), across tenants: a cross-tenant path.</summary>
    public StoreCommand CreateCrossTenantCommand(string sql)
    {
        var batch = source.CreateBatch();
        var statement = new NpgsqlBatchCommand(sql);
        batch.BatchCommands.Add(statement);
        return new StoreCommand(batch, statement, scoped: false);
    }

    /// <summary>A transaction on <paramref name="connection"/> whose statements see and write only this tenant's rows.</summary>
    public async Task<NpgsqlTransaction> BeginAsync(NpgsqlConnection connection, Guid tenantId,
        IsolationLevel isolation = IsolationLevel.ReadCommitted, CancellationToken cancellationToken = default)
    {
        var transaction = await connection.BeginTransactionAsync(isolation, cancellationToken);
        if (RowLevelSecurity)
        {
            try
            {
                await using var scope = new NpgsqlCommand(ScopeSql, connection, transaction);
                AddScope(scope.Parameters, tenantId);
                await scope.ExecuteNonQueryAsync(cancellationToken);
            }
            catch
            {
                await transaction.DisposeAsync();
                throw;
            }
        }
        return transaction;
    }

    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken cancellationToken = default) =>
        source.OpenConnectionAsync(cancellationToken);

    /// <summary>See <see cref="RefusedStatements"/>.</summary>
    public void DiscardPooledConnections() => source.DiscardPooledConnections();

    private static void AddScope(NpgsqlParameterCollection parameters, Guid tenantId)
    {
        parameters.AddWithValue("role", TenantRole);
        parameters.AddWithValue("tenant_id", tenantId.ToString());
    }
}
