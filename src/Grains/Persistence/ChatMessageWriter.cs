using System.Diagnostics;
using Microsoft.Extensions.Logging;
using TenantChat.Telemetry;
using Npgsql;
using TenantChat.Grains.Tenants;

namespace TenantChat.Grains.Persistence;

/// <summary>What came of one tenant's messages: which were stored now, and the tenant's totals after.</summary>
/// <param name="Stored">The ids stored by this write; a message missing here was already stored by an earlier attempt.</param>
/// <param name="After">The tenant's totals as committed, or null when nothing was stored (the totals did not move).</param>
/// <param name="CreatedAt">The <c>created_at</c> of the stored messages.</param>
public sealed record class AppendResult(IReadOnlySet<Guid> Stored, TenantUsage? After, DateTimeOffset CreatedAt);

/// <summary>
/// One per silo: gathers the finished messages of every tenant grain on the silo and writes them together, one
/// statement and one round trip per batch (<see cref="ChatMessageStore.AppendAsync"/>), so a thousand tenants with a
/// call each cost the database about what one busy tenant does. A caller's task completes only when its batch has
/// committed. Submissions arriving while <see cref="BatchesInFlight"/> batches are being written wait and go out
/// together in the next one. A tenant has at most <see cref="TenantBatchesInFlight"/> submissions in flight (its
/// write queue sees to it). With one, two batches never touch the same <c>tenants</c> row. With two,
/// the later one waits for the earlier one's lock on the tenant's row, and batches of several tenants take those
/// locks in one order first (<see cref="ChatMessageStore.AppendAsync"/>), so they never deadlock.
/// </summary>
public sealed class ChatMessageWriter(ChatMessageStore store, TimeProvider clock, ILogger<ChatMessageWriter> logger, int tenantBatchesInFlight = 1)
{
    /// <summary>How many batches of one tenant may be written at once: <c>Tenants:WriteBatchesInFlight</c>.</summary>
    public int TenantBatchesInFlight { get; } = tenantBatchesInFlight;

    /// <summary>Messages per statement, at most (one tenant's submission is never split, and may be larger alone).</summary>
    public const int MaxBatchMessages = 256;

    /// <summary>
    /// Batches written at once by the silo: as many as one tenant may have, so that a tenant's second batch (with
    /// <c>Tenants:WriteBatchesInFlight=2</c>) can go out; one by default. A second batch of other tenants written
    /// beside the first only split the waiting messages in two: with 1,000 tenants in rotation at c=8 the batches
    /// held 1.9 messages instead of 2.8, PostgreSQL spent 158 µs per call instead of 108, and the silo served 22%
    /// fewer calls (docs/benchmarks.md).
    /// </summary>
    public int BatchesInFlight => TenantBatchesInFlight;

    private readonly Lock _lock = new();
    private readonly Queue<Submission> _queue = new();
    private int _inFlight;

    /// <summary>Stores <paramref name="messages"/> of one tenant and charges their usage to it; completes once durable.</summary>
    public Task<AppendResult> AppendAsync(Guid tenantId, IReadOnlyList<StoredMessage> messages)
    {
        var submission = new Submission(tenantId, messages);
        bool startWriting;
        lock (_lock)
        {
            _queue.Enqueue(submission);
            TenantChatMetrics.WriterQueueChanged(1);
            startWriting = _inFlight < BatchesInFlight;
            if (startWriting)
            {
                _inFlight++;
            }
        }
        if (startWriting)
        {
            // On the thread pool, never on the calling grain's scheduler: the batch serves every tenant on the silo.
            _ = Task.Run(WriteWhilePendingAsync);
        }
        return submission.Done.Task;
    }

    private async Task WriteWhilePendingAsync()
    {
        // Each batch's span has the callers it serves as parent and links, not whichever call started this loop.
        Activity.Current = null;
        while (NextBatch() is { } batch)
        {
            await WriteAsync(batch);
        }
    }

    /// <summary>The oldest submissions, up to <see cref="MaxBatchMessages"/>; null (and one writer fewer) when none wait.</summary>
    private List<Submission>? NextBatch()
    {
        lock (_lock)
        {
            if (_queue.Count == 0)
            {
                _inFlight--;
                return null;
            }
            var batch = new List<Submission>();
            var messages = 0;
            while (_queue.TryPeek(out var next) && (batch.Count == 0 || messages + next.Messages.Count <= MaxBatchMessages))
            {
                batch.Add(_queue.Dequeue());
                messages += next.Messages.Count;
            }
            TenantChatMetrics.WriterQueueChanged(-batch.Count);
            return batch;
        }
    }

    private async Task WriteAsync(List<Submission> batch)
    {
        var createdAt = clock.GetUtcNow();
        var rows = batch.SelectMany(s => s.Messages.Select(m => (s.TenantId, m))).ToList();
        using var span = TenantChatTracing.StartBatchWrite(batch, submission => submission.Caller, rows.Count);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var (stored, totals) = await store.AppendAsync(rows, createdAt, lockInOrder: TenantBatchesInFlight > 1);
            TenantChatMetrics.BatchWritten(rows.Count, Stopwatch.GetElapsedTime(started), committed: true);
            foreach (var submission in batch)
            {
                var after = totals.TryGetValue(submission.TenantId, out var usage) ? usage : (TenantUsage?)null;
                submission.Done.SetResult(new AppendResult(stored, after, createdAt));
            }
        }
        catch (Exception e) when (Failed(span, started, rows.Count, e) && e is PostgresException postgres && batch.Count > 1 && IsAboutTheData(postgres))
        {
            // The server refused the statement, so nothing of it was stored. One tenant's message must not fail
            // every other tenant's calls: write each submission alone, and only the offending one fails.
            logger.LogWarning("A batch of {Count} submissions was refused ({SqlState}); writing each alone", batch.Count, postgres.SqlState);
            foreach (var submission in batch)
            {
                await WriteAsync([submission]);
            }
        }
        catch (Exception e)
        {
            // The outcome may be unknown (the connection dropped mid-commit): the callers fail, their write queues re-read.
            foreach (var submission in batch)
            {
                submission.Done.SetException(e);
            }
        }
    }

    /// <summary>Records a failed write; always true, to serve as an exception filter.</summary>
    private static bool Failed(Activity? span, long started, int messages, Exception e)
    {
        TenantChatMetrics.BatchWritten(messages, Stopwatch.GetElapsedTime(started), committed: false);
        span.Failed(e.GetType().Name);
        return true;
    }

    /// <summary>Data exceptions (22: e.g. a NUL in text) and constraint violations (23): errors of some row, not of the database.</summary>
    private static bool IsAboutTheData(PostgresException e) => e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState.StartsWith("23", StringComparison.Ordinal);

    private sealed class Submission(Guid tenantId, IReadOnlyList<StoredMessage> messages)
    {
        public Guid TenantId { get; } = tenantId;

        public IReadOnlyList<StoredMessage> Messages { get; } = messages;

        /// <summary>The trace of the call that submitted, so the batch's span can join it.</summary>
        public ActivityContext Caller { get; } = Activity.Current?.Context ?? default;

        /// <summary>
        /// Completed on the writer's thread without a hop of its own: the awaiter is a tenant grain's write queue, and
        /// Orleans queues its continuation to that grain's scheduler (it never runs grain code on a thread outside
        /// the grain's turn), so the writer goes straight on to its next batch.
        /// </summary>
        public TaskCompletionSource<AppendResult> Done { get; } = new();
    }
}
