using TenantChat.Grains;

namespace TenantChat.WebFrontend.Apis.Chat;

/// <summary>
/// A chat call may wait in its tenant's grain for room in the budget. When its caller disconnects meanwhile, the
/// grain is told, so the call leaves the queue instead of running for no one and taking the room of those behind it.
/// </summary>
public static class CallerDeparture
{
    /// <summary>Until disposed, an abort of <paramref name="aborted"/> takes request <paramref name="requestId"/> out of its tenant's queue.</summary>
    public static CancellationTokenRegistration StopWaitingOnAbort(this IClusterClient orleans, Guid tenantId, Guid requestId, CancellationToken aborted) =>
        aborted.Register(() => _ = StopWaitingAsync(orleans.GetGrain<ITenantGrain>(tenantId), requestId));

    private static async Task StopWaitingAsync(ITenantGrain tenant, Guid requestId)
    {
        try
        {
            await tenant.StopWaitingAsync(requestId);
        }
        catch (OrleansException)
        {
            // The silo is out of reach: the call then waits out its bounded time, as if no one had said anything.
        }
    }
}
