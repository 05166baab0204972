using Orleans.Concurrency;
using TenantChat.Grains.Models;

namespace TenantChat.Grains;

/// <summary>
/// One tenant, keyed by its stable id. Holds the tenant's settings and token budget in memory; every change to
/// either is serialized here, so the budget is exact without database locks.
/// </summary>
public interface ITenantGrain : IGrainWithGuidKey
{
    Task<Outcome<TenantView>> CreateAsync(TenantSettings settings);

    /// <summary>The tenant, or null when no tenant has this id.</summary>
    Task<TenantView?> GetAsync();

    /// <summary>Replaces the settings when <paramref name="expectedVersion"/> is still current (else <see cref="ProblemCode.Conflict"/>).</summary>
    Task<Outcome<TenantView>> UpdateSettingsAsync(TenantSettings settings, int expectedVersion);

    Task<Outcome<TenantView>> ResetUsageAsync();

    /// <summary>
    /// Runs one chat exchange for a caller on <paramref name="host"/>. Interleaves with other calls: only the
    /// accounting steps take the grain's turn, never the upstream I/O.
    /// </summary>
    [AlwaysInterleave]
    Task<Outcome<ChatReply>> ChatAsync(string host, ChatRequest request);
}
