using Microsoft.Extensions.Options;
using Orleans.Runtime.Messaging;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Apis.Chat;

/// <summary>
/// Retries a grain call that was lost with its silo. While the cluster notices the death (a few seconds), calls
/// to the dead silo fail at once; after it, the grain re-activates on a live silo. Only idempotent calls may use
/// this: a chat call is, because its request id is the message id and a retry first looks for it in storage.
/// How long it keeps trying is set in <see cref="ChatTimeoutOptions"/>.
/// </summary>
public sealed class FailoverRetry(IClusterClient orleans, TenantGrainCalls tenants, TenantGrainReferences tenantGrains, IOptions<ChatTimeoutOptions> options,
    TimeProvider clock)
{
    public async Task<T> RunAsync<T>(Func<int, Task<T>> call, CancellationToken cancellationToken)
    {
        var timeouts = options.Value;
        var started = clock.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call(attempt);
            }
            // A call that timed out may only be slow (a slow upstream, its retries, the tenant's fallbacks): its retry
            // joins the attempt still running, so waiting on costs nothing.
            catch (TimeoutException) when (clock.GetElapsedTime(started) < timeouts.GiveUpOnTimeoutAfter)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
            catch (Exception e) when (IsSiloLoss(e) && clock.GetElapsedTime(started) < timeouts.GiveUpOnSiloLossAfter)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * Math.Pow(2, attempt))), cancellationToken);
            }
        }
    }

    /// <summary>
    /// A chat call of the request's tenant, retried if its silo is lost on the way; its grain checks the host
    /// (<see cref="GrainCheckedAccess"/>), through <see cref="TenantGrainCalls"/>.
    /// </summary>
    public Task<Outcome<ChatReply>> ChatAsync(HttpContext httpContext, ChatRequest request) =>
        tenants.CallAsync(httpContext, tenant => ChatAsync(tenant, request, httpContext.RequestAborted), outcome => outcome.Error);

    private async Task<Outcome<ChatReply>> ChatAsync(TenantContext tenant, ChatRequest request, CancellationToken cancellationToken)
    {
        var grain = tenantGrains.Get(tenant.TenantId);
        using var departure = orleans.StopWaitingOnAbort(tenant.TenantId, request.RequestId, cancellationToken);
        return await RunAsync(attempt => grain.ChatAsync(tenant.Domain, request with { IsRetry = attempt > 0 }), cancellationToken);
    }

    private static bool IsSiloLoss(Exception e) =>
        e is SiloUnavailableException or ConnectionFailedException or OrleansMessageRejectionException;
}
