using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Governance;

/// <summary>
/// One tenant's retention. A durable reminder (stored in <c>orleansreminders</c>, so it survives restarts and moves
/// with the ring when a silo dies) wakes this grain daily; the purge then reads the tenant's current
/// <c>retention_days</c> from its grain and erases what is older, batch by batch. A tenant that no longer has
/// retention, or no longer exists, loses its reminder at the next tick.
/// </summary>
public sealed class RetentionGrain(RetentionStore store, IOptions<RetentionOptions> options, TimeProvider clock, ILogger<RetentionGrain> logger)
    : Grain, IRetentionGrain, IRemindable
{
    public const string ReminderName = "retention-purge";

    private static readonly TimeSpan Daily = TimeSpan.FromDays(1);

    private Guid TenantId => this.GetPrimaryKey();

    public async Task ScheduleAsync(int? retentionDays)
    {
        var existing = await this.GetReminder(ReminderName);
        if (retentionDays is null)
        {
            if (existing is not null)
            {
                await this.UnregisterReminder(existing);
                logger.LogInformation("Tenant {TenantId}: retention off, daily purge removed", TenantId);
            }
            return;
        }
        if (existing is null)
        {
            await this.RegisterOrUpdateReminder(ReminderName, TimeSpan.FromMinutes(options.Value.FirstPurgeMinutes), Daily);
            logger.LogInformation("Tenant {TenantId}: daily purge of messages older than {Days} days scheduled", TenantId, retentionDays);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ReminderName)
        {
            await PurgeAsync();
        }
    }

    public async Task<RetentionPurge> PurgeAsync()
    {
        var tenant = await GrainFactory.GetGrain<ITenantGrain>(TenantId).GetAsync();
        if (tenant?.Settings.RetentionDays is not { } days)
        {
            await ScheduleAsync(null);
            return RetentionPurge.KeepsEverything;
        }
        var cutoff = clock.GetUtcNow() - TimeSpan.FromDays(days);
        var batchSize = options.Value.BatchSize;
        var (messages, messageBatches) = await DrainAsync(() => store.PurgeMessagesAsync(TenantId, cutoff, batchSize), batchSize);
        var (replies, replyBatches) = await DrainAsync(() => store.PurgeRepliesAsync(TenantId, cutoff, batchSize), batchSize);
        var batches = messageBatches + replyBatches;
        logger.LogInformation("Tenant {TenantId}: erased {Messages} messages and {Replies} agent replies older than {Cutoff} in {Batches} batches",
            TenantId, messages, replies, cutoff, batches);
        return new RetentionPurge(cutoff, messages, replies, batches);
    }

    /// <summary>Runs one batch after another until a batch comes back short: nothing older is left (or it is locked, and goes tomorrow).</summary>
    private static async Task<(long Rows, int Batches)> DrainAsync(Func<Task<int>> batch, int batchSize)
    {
        long rows = 0;
        var batches = 0;
        while (true)
        {
            var erased = await batch();
            if (erased > 0)
            {
                rows += erased;
                batches++;
            }
            if (erased < batchSize)
            {
                return (rows, batches);
            }
        }
    }
}
