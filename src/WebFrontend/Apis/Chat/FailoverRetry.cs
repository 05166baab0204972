using Orleans.Runtime.Messaging;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Apis.Chat;

/// <summary>
/// Retries a grain call that was lost with its silo. While the cluster notices the death (a few seconds), calls
/// to the dead silo fail at once; after it, the grain re-activates on a live silo. Only idempotent calls may use
/// this: a chat call is, because its request id is the message id and a retry first looks for it in storage.
/// </summary>
public static class FailoverRetry
{
    // Declaring a silo dead takes a few seconds, much longer on a starved machine.
    private static readonly TimeSpan GiveUpOnLossAfter = TimeSpan.FromSeconds(45);

    // A call that timed out may only be slow (a slow upstream, its retries, the tenant's fallbacks): its retry joins
    // the attempt still running, so waiting on costs nothing. Only a call longer than any chat call can be is given up.
    private static readonly TimeSpan GiveUpOnTimeoutAfter = TimeSpan.FromMinutes(5);

    public static async Task<T> RunAsync<T>(Func<int, Task<T>> call, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call(attempt);
            }
            catch (TimeoutException) when (TimeProvider.System.GetElapsedTime(started) < GiveUpOnTimeoutAfter)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            catch (Exception e) when (IsSiloLoss(e) && TimeProvider.System.GetElapsedTime(started) < GiveUpOnLossAfter)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * Math.Pow(2, attempt))), cancellationToken);
            }
        }
    }

    /// <summary>
    /// A chat call of the request's tenant, retried if its silo is lost on the way; its grain checks the host
    /// (<see cref="GrainCheckedAccess"/>), and a refusal as unknown is tried once more after resolving the host again.
    /// </summary>
    public static async Task<Outcome<ChatReply>> ChatAsync(HttpContext httpContext, IClusterClient orleans, ChatRequest request)
    {
        var outcome = await ChatAsync(httpContext.Tenant(), orleans, request, httpContext.RequestAborted);
        if (outcome.Error?.Code == ProblemCode.UnknownTenant && await GrainCheckedAccess.ResolveAgainAsync(httpContext) is { } resolved)
        {
            outcome = await ChatAsync(resolved, orleans, request, httpContext.RequestAborted);
        }
        return outcome;
    }

    private static async Task<Outcome<ChatReply>> ChatAsync(TenantContext tenant, IClusterClient orleans, ChatRequest request, CancellationToken cancellationToken)
    {
        var grain = orleans.GetGrain<ITenantGrain>(tenant.TenantId);
        using var departure = orleans.StopWaitingOnAbort(tenant.TenantId, request.RequestId, cancellationToken);
        return await RunAsync(attempt => grain.ChatAsync(tenant.Domain, request with { IsRetry = attempt > 0 }), cancellationToken);
    }

    private static bool IsSiloLoss(Exception e) =>
        e is SiloUnavailableException or ConnectionFailedException or OrleansMessageRejectionException;
}
