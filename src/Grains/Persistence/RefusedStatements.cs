using Npgsql;

namespace TenantChat.Grains.Persistence;

/// <summary>
/// What must follow a statement PostgreSQL refused. Npgsql 10.0.3, preparing statements automatically
/// (<c>Max Auto Prepare</c>), loses protocol sync on a pooled connection when the server refuses the very execution
/// that prepares a statement, its <c>Auto Prepare Min Usages</c>-th use (5) on that connection: the next use of that
/// statement there fails with "Received unexpected backend message DataRow". So after any refusal the pool is
/// emptied: idle connections close at once, busy ones when they come back, and the connection that saw the refusal
/// never serves another statement. Validated input makes refusals rare, so the reconnections cost little.
/// </summary>
public static class RefusedStatements
{
    public static void DiscardPooledConnections(this NpgsqlDataSource db) => db.Clear();
}
