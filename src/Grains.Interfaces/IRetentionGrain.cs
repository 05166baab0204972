using Orleans.Concurrency;
using TenantChat.Grains.Models;

namespace TenantChat.Grains;

/// <summary>
/// A tenant's message retention, keyed by the tenant's id: a daily reminder erases its messages older than its
/// <c>retention_days</c>. The purge runs in this grain's turns, never in the tenant grain's.
/// </summary>
public interface IRetentionGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Registers the daily reminder when <paramref name="retentionDays"/> is set (an existing one keeps its time of
    /// day), and removes it when null. Interleaves with a running purge, so the tenant grain never waits behind one.
    /// </summary>
    [AlwaysInterleave]
    Task ScheduleAsync(int? retentionDays);

    /// <summary>Runs the purge now, as the daily reminder does, with the tenant's current setting.</summary>
    Task<RetentionPurge> PurgeAsync();
}
