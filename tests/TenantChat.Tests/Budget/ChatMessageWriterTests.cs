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
/// The silo-wide writer and the tenant queues on top of it, against the real database: many tenants' messages
/// go out in shared batches, and each tenant's totals stay exactly the sum of its stored messages.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ChatMessageWriterTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Many_tenants_committing_at_once_share_batches_and_each_is_charged_exactly_its_stored_messages()
    {
        const int tenantCount = 20, messagesPerTenant = 10;
        var ids = await CreateTenantsAsync(tenantCount);
        var writer = Writer(fixture.Database);

        var queues = await OneAtATime(async () =>
        {
            var queues = new List<TenantWriteQueue>();
            foreach (var id in ids)
            {
                queues.Add(await QueueAsync(id, writer));
            }
            var commits = new List<Task<DateTimeOffset?>>();
            for (var i = 0; i < messagesPerTenant; i++)
            {
                commits.AddRange(queues.Select(queue => queue.CommitAsync(Message(10 + i))));
            }
            Assert.All(await Task.WhenAll(commits), createdAt => Assert.NotNull(createdAt));
            return queues;
        });

        for (var t = 0; t < tenantCount; t++)
        {
            var (messages, tokens) = await fixture.LedgerAsync(ids[t]);
            var row = await Store().ReadUsageAsync(ids[t]);
            Assert.Equal(messagesPerTenant, messages);
            Assert.Equal(tokens, row.TokensUsed);
            Assert.Equal(messages, row.Calls);
            Assert.Equal(row, queues[t].Budget.Committed);
        }
        // Written tenant by tenant there would be at least one batch, so one created_at, per tenant.
        Assert.InRange(await DistinctCreatedAtAsync(ids), 1, tenantCount - 1);
    }

    [Fact]
    public async Task A_message_stored_twice_is_charged_once()
    {
        var id = (await CreateTenantsAsync(1))[0];
        var writer = Writer(fixture.Database);
        var message = Message(40);

        var (first, again, sameBatch) = await OneAtATime(async () =>
        {
            var queue = await QueueAsync(id, writer);
            var first = await queue.CommitAsync(message);
            var again = await queue.CommitAsync(message with { Response = "another answer" });
            var sameBatch = await Task.WhenAll(queue.CommitAsync(message), queue.CommitAsync(message));
            return (first, again, sameBatch);
        });

        Assert.NotNull(first);
        Assert.Null(again);
        Assert.All(sameBatch, createdAt => Assert.Null(createdAt));
        Assert.Equal((1L, 45L), await fixture.LedgerAsync(id));
        Assert.Equal(45, (await Store().ReadUsageAsync(id)).TokensUsed);
    }

    [Fact]
    public async Task A_write_of_a_new_month_charges_from_zero_and_moves_the_period_start()
    {
        var id = (await CreateTenantsAsync(1))[0];
        var lastMonth = BudgetPeriod.MonthStart(DateTimeOffset.UtcNow).AddMonths(-1);
        await Store().WriteUsageAsync(id, new TenantUsage(500, 7, lastMonth));
        var writer = Writer(fixture.Database);

        var result = await writer.AppendAsync(id, [Message(30)]);

        var expected = new TenantUsage(35, 1, BudgetPeriod.MonthStart(result.CreatedAt));
        Assert.Equal(expected, result.After);
        Assert.Equal(expected, await Store().ReadUsageAsync(id));
    }

    [Fact]
    public async Task A_write_that_fails_fails_its_callers_marks_every_budget_stale_and_stores_nothing()
    {
        var ids = await CreateTenantsAsync(3);
        // A writer that gives up after a second, against rows another transaction holds: the write times out.
        await using var impatient = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(fixture.ConnectionString) { CommandTimeout = 1 }.ConnectionString);
        var writer = Writer(impatient);
        await using var blocker = await fixture.Database.OpenConnectionAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await using (var lockRows = new NpgsqlCommand("select id from tenants where id = any(@ids) for update", blocker, transaction))
        {
            lockRows.Parameters.AddWithValue("ids", ids.ToArray());
            await lockRows.ExecuteNonQueryAsync();
        }

        var (failures, staleAfterFailure, queues) = await OneAtATime(async () =>
        {
            var queues = new List<TenantWriteQueue>();
            foreach (var id in ids)
            {
                queues.Add(await QueueAsync(id, writer));
            }
            var commits = queues.Select(queue => queue.CommitAsync(Message(20))).ToList();
            var failures = new List<Exception>();
            foreach (var commit in commits)
            {
                failures.Add(await Assert.ThrowsAnyAsync<Exception>(() => commit));
            }
            return (failures, queues.Select(queue => queue.Budget.IsStale).ToList(), queues);
        });
        await transaction.RollbackAsync();

        Assert.All(failures, failure => Assert.IsAssignableFrom<NpgsqlException>(failure));
        Assert.All(staleAfterFailure, stale => Assert.True(stale));
        foreach (var id in ids)
        {
            Assert.Equal((0L, 0L), await fixture.LedgerAsync(id));
        }
        await OneAtATime(async () =>
        {
            foreach (var queue in queues)
            {
                await queue.RefreshIfStaleAsync();
                Assert.False(queue.Budget.IsStale);
                Assert.Equal(0, queue.Budget.Committed.TokensUsed);
            }
            return true;
        });
    }

    [Fact]
    public async Task A_message_the_database_refuses_fails_only_its_own_tenant_in_a_shared_batch()
    {
        var ids = await CreateTenantsAsync(4);
        var (busy1, busy2, bad, good) = (ids[0], ids[1], ids[2], ids[3]);
        var writer = Writer(fixture.Database);
        await using var blocker = await fixture.Database.OpenConnectionAsync();
        await using var transaction = await blocker.BeginTransactionAsync();
        await using (var lockRows = new NpgsqlCommand("select id from tenants where id = any(@ids) for update", blocker, transaction))
        {
            lockRows.Parameters.AddWithValue("ids", new[] { busy1, busy2 });
            await lockRows.ExecuteNonQueryAsync();
        }
        // Both batches in flight wait on the locked rows, so the next two submissions queue and go out together.
        var busy = new[] { writer.AppendAsync(busy1, [Message(10)]), writer.AppendAsync(busy2, [Message(10)]) };
        await WaitForLockWaitersAsync(2);
        var refused = writer.AppendAsync(bad, [Message(10) with { Prompt = "a NUL \0 cannot be stored as text" }]);
        var accepted = writer.AppendAsync(good, [Message(10), Message(20)]);
        await transaction.CommitAsync();

        var failure = await Assert.ThrowsAsync<PostgresException>(() => refused);
        Assert.StartsWith("22", failure.SqlState, StringComparison.Ordinal);
        Assert.Equal(new TenantUsage(40, 2, (await accepted).After!.Value.PeriodStart), (await accepted).After);
        Assert.All(await Task.WhenAll(busy), result => Assert.Equal(15, result.After!.Value.TokensUsed));
        Assert.Equal((0L, 0L), await fixture.LedgerAsync(bad));
        Assert.Equal((2L, 40L), await fixture.LedgerAsync(good));
    }

    private static StoredMessage Message(int completionTokens) =>
        new(Guid.CreateVersion7(), Guid.CreateVersion7(), "What is a batch?", "Several things at once.", "openai", 42, new TokenUsage(5, completionTokens), "default");

    private TenantStore Store() => new(new TenantDatabase(fixture.Database));

    private static ChatMessageWriter Writer(NpgsqlDataSource db) =>
        new(new ChatMessageStore(new TenantDatabase(db), new ModelPricing(Options.Create(new PricingOptions()))), TimeProvider.System, NullLogger<ChatMessageWriter>.Instance);

    private async Task<TenantWriteQueue> QueueAsync(Guid tenantId, ChatMessageWriter writer)
    {
        var queue = new TenantWriteQueue(tenantId, Store(), writer, new TenantBudget(), TimeProvider.System);
        queue.Budget.Load(await Store().ReadUsageAsync(tenantId));
        return queue;
    }

    private async Task<List<Guid>> CreateTenantsAsync(int count)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            ids.Add((await fixture.CreateTenantAsync("Writer test tenant.")).Id);
        }
        return ids;
    }

    private async Task<long> DistinctCreatedAtAsync(List<Guid> tenantIds)
    {
        await using var command = fixture.Database.CreateCommand("select count(distinct created_at) from chat_messages where tenant_id = any(@ids)");
        command.Parameters.AddWithValue("ids", tenantIds.ToArray());
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task WaitForLockWaitersAsync(int count)
    {
        await using var command = fixture.Database.CreateCommand(
            "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");
        for (var attempt = 0; attempt < 200 && (long)(await command.ExecuteScalarAsync())! < count; attempt++)
        {
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> one continuation at a time, as a grain's turns run: a queue is not thread-safe
    /// and relies on that.
    /// </summary>
    private static Task<T> OneAtATime<T>(Func<Task<T>> body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.None, new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler).Unwrap();
}
