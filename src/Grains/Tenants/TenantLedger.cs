using System.Diagnostics.CodeAnalysis;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// Every write of one tenant's usage, one at a time, so the totals in memory and in the database move together.
/// Finished messages queue here while the tenant's previous batch is being written, then go to the silo's
/// <see cref="ChatMessageWriter"/> together, which writes them along with other tenants' batches; a caller's task
/// completes only once its message is durable. Used only inside the tenant grain's turns.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "SemaphoreSlim needs disposal only once its wait handle is used, which it never is.")]
public sealed class TenantLedger(Guid tenantId, TenantStore tenants, ChatMessageWriter writer, TimeProvider clock)
{
    private const int MaxBatchSize = ChatMessageWriter.MaxBatchMessages;

    private readonly SemaphoreSlim _gate = new(1, 1);
    private List<(StoredMessage Message, TaskCompletionSource<DateTimeOffset?> Done)> _pending = [];
    private bool _flushing;

    public TenantBudget Budget { get; } = new();

    /// <summary>
    /// Stores the message and charges its usage. Completes with its <c>created_at</c>, or null when an earlier
    /// attempt of the same request already stored it (then nothing is charged again).
    /// </summary>
    public Task<DateTimeOffset?> CommitAsync(StoredMessage message)
    {
        var done = new TaskCompletionSource<DateTimeOffset?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending.Add((message, done));
        if (!_flushing)
        {
            _flushing = true;
            _ = FlushAsync();
        }
        return done.Task;
    }

    public async Task ResetAsync(AuditEntry audit)
    {
        await _gate.WaitAsync();
        try
        {
            var usage = new TenantUsage(0, 0, clock.GetUtcNow());
            await tenants.WriteUsageAsync(tenantId, usage, audit);
            Budget.Load(usage);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>After a write whose outcome is unknown, the database is the truth: read it before admitting again.</summary>
    public async Task RefreshIfStaleAsync()
    {
        if (!Budget.IsStale)
        {
            return;
        }
        await _gate.WaitAsync();
        try
        {
            if (Budget.IsStale)
            {
                Budget.Load(await tenants.ReadUsageAsync(tenantId));
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task FlushAsync()
    {
        try
        {
            while (_pending.Count > 0)
            {
                var batch = _pending.Count <= MaxBatchSize ? _pending : _pending.GetRange(0, MaxBatchSize);
                _pending = batch == _pending ? [] : _pending.GetRange(MaxBatchSize, _pending.Count - MaxBatchSize);
                await WriteBatchAsync(batch);
            }
        }
        finally
        {
            _flushing = false;
        }
    }

    private async Task WriteBatchAsync(List<(StoredMessage Message, TaskCompletionSource<DateTimeOffset?> Done)> batch)
    {
        await _gate.WaitAsync();
        try
        {
            var result = await writer.AppendAsync(tenantId, [.. batch.Select(item => item.Message)]);
            // The totals as the database holds them after this commit; none come back when nothing was stored.
            if (result.After is { } after)
            {
                Budget.Load(after);
            }
            batch.ForEach(item => item.Done.SetResult(result.Stored.Contains(item.Message.Id) ? result.CreatedAt : null));
        }
        catch (Exception e)
        {
            Budget.MarkStale();
            batch.ForEach(item => item.Done.SetException(e));
        }
        finally
        {
            _gate.Release();
        }
    }
}
