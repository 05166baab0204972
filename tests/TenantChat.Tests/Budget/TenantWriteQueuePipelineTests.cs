using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;
using TenantChat.Grains.Tenants;
using TenantChat.Grains.Usage;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Budget;

/// <summary>
/// With <c>Tenants:WriteBatchesInFlight</c> = 2, a tenant's second batch goes out while its first is still being
/// written, against the real database: the totals stay exactly the sum of the stored messages, and batches of
/// several tenants lock the tenants' rows in one order. The silo's writer has as many batches in flight as one
/// tenant may have; the others wait and go out together.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TenantWriteQueuePipelineTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_message_finished_while_its_tenants_batch_is_in_flight_leaves_at_once_only_with_two_in_flight_and_the_totals_stay_exact(
        int batchesInFlight)
    {
        var id = (await fixture.CreateTenantAsync("Pipeline test tenant.")).Id;
        var writer = Writer(batchesInFlight);
        await using var blocker = await fixture.Database.OpenConnectionAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await LockAsync(blocker, transaction, [id], "for update");

        var (waitingWithOne, waitingWithTwo, commits, queue) = await OneAtATime(async () =>
        {
            var queue = new TenantWriteQueue(id, new TenantStore(new TenantDatabase(fixture.Database)), writer, new TenantBudget(), TimeProvider.System);
            queue.Budget.Load(await new TenantStore(new TenantDatabase(fixture.Database)).ReadUsageAsync(id));
            var commits = new List<Task<DateTimeOffset?>> { queue.CommitAsync(Message(10)) };
            var waitingWithOne = await InsertsWaitingAsync(1);
            commits.Add(queue.CommitAsync(Message(20)));
            var waitingWithTwo = await InsertsWaitingAsync(2);
            // A third waits for one of the two and goes out after it.
            commits.Add(queue.CommitAsync(Message(30)));
            return (waitingWithOne, waitingWithTwo, commits, queue);
        });
        await transaction.RollbackAsync();
        var createdAt = await Task.WhenAll(commits);

        Assert.Equal(1, waitingWithOne);
        // With one batch in flight the second message queues until the first batch has committed.
        Assert.Equal(batchesInFlight, waitingWithTwo);
        Assert.All(createdAt, at => Assert.NotNull(at));
        var row = await new TenantStore(new TenantDatabase(fixture.Database)).ReadUsageAsync(id);
        Assert.Equal((3L, 75L), await fixture.LedgerAsync(id));
        Assert.Equal(new TenantUsage(75, 3, row.PeriodStart), row);
        Assert.Equal(row, queue.Budget.Committed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_silo_writes_as_many_batches_at_once_as_one_tenant_may_have_and_the_rest_wait_to_go_out_together(int batchesInFlight)
    {
        var blocked = (await fixture.CreateTenantAsync("Writer slot test tenant.")).Id;
        var second = (await fixture.CreateTenantAsync("Writer slot test tenant.")).Id;
        var third = (await fixture.CreateTenantAsync("Writer slot test tenant.")).Id;
        var writer = Writer(batchesInFlight);
        Assert.Equal(batchesInFlight, writer.BatchesInFlight);
        await using var blocker = await fixture.Database.OpenConnectionAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await LockAsync(blocker, transaction, [blocked], "for update");

        var messages = new[] { Message(10), Message(10), Message(10) };
        var first = writer.AppendAsync(blocked, [messages[0]]);
        Assert.Equal(1, await InsertsWaitingAsync(1));
        var others = new[] { writer.AppendAsync(second, [messages[1]]), writer.AppendAsync(third, [messages[2]]) };
        if (batchesInFlight == 2)
        {
            // The second slot takes the other tenants' messages while the first batch still waits.
            await Task.WhenAll(others).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.False(first.IsCompleted);
        }
        else
        {
            // One slot: they wait behind the blocked batch (half a second is ages for an unblocked write).
            await Task.Delay(500);
            Assert.DoesNotContain(others, task => task.IsCompleted);
        }
        await transaction.RollbackAsync();

        var results = await Task.WhenAll([first, .. others]);
        Assert.All(messages.Zip(results), pair => Assert.Contains(pair.First.Id, pair.Second.Stored));
        Assert.DoesNotContain(messages[1].Id, results[0].Stored);
        if (batchesInFlight == 1)
        {
            // Gathered while they waited, they went out in one statement.
            Assert.Equal(results[1].Stored, results[2].Stored);
            Assert.Equal(results[1].CreatedAt, results[2].CreatedAt);
        }
        Assert.Equal((1L, 15L), await fixture.LedgerAsync(second));
        Assert.Equal((1L, 15L), await fixture.LedgerAsync(third));
    }

    [Fact]
    public async Task A_batch_of_several_tenants_locks_their_rows_in_the_order_of_their_ids()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add((await fixture.CreateTenantAsync("Lock order test tenant.")).Id);
        }
        var first = await FirstInDatabaseOrderAsync(ids);
        await using var blocker = await fixture.Database.OpenConnectionAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        // Blocks updates of the first row, not the inserts' foreign key checks.
        await LockAsync(blocker, transaction, [first], "for no key update");

        // Rows listed last tenant first, so that an update in the listed order would reach the others before the first.
        var rows = ids.AsEnumerable().Reverse().Select(tenantId => (tenantId, Message(10))).ToList();
        var append = LedgerStore().AppendAsync(rows, DateTimeOffset.UtcNow, lockInOrder: true);
        Assert.Equal(1, await WaitingAsync("for no key update", 1));

        // Waiting for the first row, the batch holds none of the others yet.
        await using (var probe = await fixture.Database.OpenConnectionAsync())
        await using (var probeTransaction = await probe.BeginTransactionAsync())
        {
            var others = ids.Where(tenantId => tenantId != first).ToArray();
            Assert.Equal(others.Length, await LockAsync(probe, probeTransaction, others, "for no key update skip locked"));
            await probeTransaction.RollbackAsync();
        }
        await transaction.RollbackAsync();

        var (stored, totals) = await append;
        Assert.Equal(ids.Count, stored.Count);
        Assert.All(ids, tenantId => Assert.Equal(15, totals[tenantId].TokensUsed));
    }

    private ChatMessageStore LedgerStore() => new(new TenantDatabase(fixture.Database), new ModelPricing(Options.Create(new PricingOptions())));

    private ChatMessageWriter Writer(int batchesInFlight) =>
        new(LedgerStore(), TimeProvider.System, NullLogger<ChatMessageWriter>.Instance, tenantBatchesInFlight: batchesInFlight);

    private static StoredMessage Message(int completionTokens) =>
        new(Guid.CreateVersion7(), Guid.CreateVersion7(), "What is a pipeline?", "One thing after another.", "openai", 42, new TokenUsage(5, completionTokens), "default");

    private static async Task<int> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid[] ids, string clause)
    {
        await using var command = new NpgsqlCommand($"select id from tenants where id = any(@ids) {clause}", connection, transaction);
        command.Parameters.AddWithValue("ids", ids);
        var locked = 0;
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            locked++;
        }
        return locked;
    }

    private async Task<Guid> FirstInDatabaseOrderAsync(List<Guid> ids)
    {
        await using var command = fixture.Database.CreateCommand("select id from tenants where id = any(@ids) order by id limit 1");
        command.Parameters.AddWithValue("ids", ids.ToArray());
        return (Guid)(await command.ExecuteScalarAsync())!;
    }

    private Task<long> InsertsWaitingAsync(int count) => WaitingAsync("insert into chat_messages", count);

    /// <summary>How many statements holding <paramref name="text"/> wait on a lock, once at least <paramref name="count"/> do or 10 s have passed.</summary>
    private async Task<long> WaitingAsync(string text, int count)
    {
        await using var command = fixture.Database.CreateCommand("""
            select count(*) from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and position(@text in query) > 0
            """);
        command.Parameters.AddWithValue("text", text);
        long waiting = 0;
        for (var attempt = 0; attempt < 200; attempt++)
        {
            waiting = (long)(await command.ExecuteScalarAsync())!;
            if (waiting >= count)
            {
                break;
            }
            await Task.Delay(50);
        }
        return waiting;
    }

    /// <summary>Runs <paramref name="body"/> one continuation at a time, as a grain's turns run: a write queue relies on that.</summary>
    private static Task<T> OneAtATime<T>(Func<Task<T>> body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.None, new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler).Unwrap();
}
