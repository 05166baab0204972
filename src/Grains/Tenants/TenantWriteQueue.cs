using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// Every write of one tenant's usage, so the totals in memory follow the database's. Finished messages go to the
/// silo's <see cref="ChatMessageWriter"/> at once, which writes them along with other tenants' messages; a caller's
/// task completes only once its message is durable. Up to <see cref="ChatMessageWriter.TenantBatchesInFlight"/>
/// batches of the tenant are written at the same time (<c>Tenants:WriteBatchesInFlight</c>): with two, a call
/// finishing while another batch is on its way does not wait for that commit before its own write starts; the two
/// commits still follow one another, since each updates the tenant's row. Each batch adds its usage to the stored
/// totals (they are increments) and reads them back; the newest totals win, whichever batch's answer comes back
/// first. Used only inside the tenant grain's turns, one at a time. It keeps the committed part of
/// <paramref name="budget"/> equal to what the database holds.
/// </summary>
public sealed class TenantWriteQueue(Guid tenantId, TenantStore tenants, ChatMessageWriter writer, TenantBudget budget, TimeProvider clock)
{
    private const int MaxBatchSize = ChatMessageWriter.MaxBatchMessages;

    private List<(StoredMessage Message, TaskCompletionSource<DateTimeOffset?> Done)> _pending = [];
    private int _inFlight;

    /// <summary>Set while a reset or a re-read runs: no batch starts, and it waits for those in flight.</summary>
    private Task? _exclusive;

    private TaskCompletionSource? _drained;

    /// <summary>The budget whose committed part this queue keeps current.</summary>
    public TenantBudget Budget => budget;

    /// <summary>
    /// Stores the message and charges its usage. Completes with its <c>created_at</c>, or null when an earlier
    /// attempt of the same request already stored it (then nothing is charged again).
    /// </summary>
    public Task<DateTimeOffset?> CommitAsync(StoredMessage message)
    {
        var done = new TaskCompletionSource<DateTimeOffset?>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending.Add((message, done));
        StartBatches();
        return done.Task;
    }

    public Task ResetAsync(AuditEntry audit) => ExclusivelyAsync(async () =>
    {
        // Whole microseconds, as PostgreSQL stores it: the totals read back later compare equal to this period.
        var now = clock.GetUtcNow();
        var usage = new TenantUsage(0, 0, now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMicrosecond)));
        await tenants.WriteUsageAsync(tenantId, usage, audit);
        Budget.Load(usage);
    });

    /// <summary>After a write whose outcome is unknown, the database is the truth: read it before admitting again.</summary>
    public async Task RefreshIfStaleAsync()
    {
        if (Budget.IsStale)
        {
            await ExclusivelyAsync(async () =>
            {
                if (Budget.IsStale)
                {
                    Budget.Load(await tenants.ReadUsageAsync(tenantId));
                }
            });
        }
    }

    /// <summary>Runs <paramref name="action"/> with no batch of this tenant in flight, one such action at a time.</summary>
    private async Task ExclusivelyAsync(Func<Task> action)
    {
        while (_exclusive is { } running)
        {
            await running;
        }
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _exclusive = done.Task;
        try
        {
            while (_inFlight > 0)
            {
                _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                await _drained.Task;
            }
            await action();
        }
        finally
        {
            _exclusive = null;
            done.SetResult();
            StartBatches();
        }
    }

    private void StartBatches()
    {
        while (_exclusive is null && _inFlight < writer.TenantBatchesInFlight && _pending.Count > 0)
        {
            var batch = _pending.Count <= MaxBatchSize ? _pending : _pending.GetRange(0, MaxBatchSize);
            _pending = batch == _pending ? [] : _pending.GetRange(MaxBatchSize, _pending.Count - MaxBatchSize);
            _inFlight++;
            _ = WriteBatchAsync(batch);
        }
    }

    private async Task WriteBatchAsync(List<(StoredMessage Message, TaskCompletionSource<DateTimeOffset?> Done)> batch)
    {
        try
        {
            var result = await writer.AppendAsync(tenantId, [.. batch.Select(item => item.Message)]);
            // The totals as the database holds them after this commit; none come back when nothing was stored.
            if (result.After is { } after)
            {
                LoadIfNewer(after);
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
            _inFlight--;
            if (_inFlight == 0)
            {
                _drained?.TrySetResult();
            }
            StartBatches();
        }
    }

    /// <summary>
    /// Two batches' answers may come back in either order. Their commits do not: each updates the tenant's row, so
    /// the later commit's totals hold a later period or, in the same period, more calls. An older answer is ignored.
    /// While the budget is stale only a re-read may load it: a batch that failed may yet have committed after this one.
    /// </summary>
    private void LoadIfNewer(TenantUsage after)
    {
        var current = Budget.Committed;
        var newer = after.PeriodStart > current.PeriodStart || (after.PeriodStart == current.PeriodStart && after.Calls > current.Calls);
        if (newer && !Budget.IsStale)
        {
            Budget.Load(after);
        }
    }
}
