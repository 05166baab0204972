using Npgsql;

namespace TenantChat.Grains.Persistence;

/// <summary>
/// The connections the chat ledger's write (<see cref="ChatMessageStore.AppendAsync"/>) runs on: the grains' own
/// settings plus <c>plan_cache_mode = force_generic_plan</c>. That statement is prepared, but its parameters are
/// arrays: PostgreSQL's default choice judged a plan made for each batch's sizes cheaper than one plan for all, so it
/// planned the statement again on every execution, and planning cost more than running it (0.40 ms against 0.32 ms
/// per batch, most of the database's CPU per call at c=8; docs/benchmarks.md, "Profile of the c=8 path"). The write
/// only looks rows up by key, so one plan serves every batch. Its own pool keeps the setting off every other
/// statement, whose optional filters do want plans made for their values.
/// </summary>
public sealed class LedgerDataSource(NpgsqlDataSource source) : IAsyncDisposable, IDisposable
{
    public const string PlanOnce = "-c plan_cache_mode=force_generic_plan";

    public NpgsqlDataSource Source { get; } = source;

    /// <summary>The ledger's connection string: <paramref name="shared"/>'s settings, with the plan chosen once.</summary>
    public static string ConnectionStringFor(NpgsqlConnectionStringBuilder shared)
    {
        var ledger = new NpgsqlConnectionStringBuilder(shared.ConnectionString);
        ledger.Options = string.IsNullOrWhiteSpace(ledger.Options) ? PlanOnce : $"{ledger.Options} {PlanOnce}";
        return ledger.ConnectionString;
    }

    public ValueTask DisposeAsync() => Source.DisposeAsync();

    public void Dispose() => Source.Dispose();
}
