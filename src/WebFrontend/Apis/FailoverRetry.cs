using Orleans.Runtime.Messaging;

namespace TenantChat.WebFrontend.Apis;

/// <summary>
/// Retries a grain call that was lost with its silo. While the cluster notices the death (a few seconds), calls
/// to the dead silo fail at once; after it, the grain re-activates on a live silo. Only idempotent calls may use
/// this: a chat call is, because its request id is the message id and a retry first looks for it in storage.
/// </summary>
public static class FailoverRetry
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(20);

    public static async Task<T> RunAsync<T>(Func<int, Task<T>> call, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call(attempt);
            }
            catch (Exception e) when (IsSiloLoss(e) && TimeProvider.System.GetElapsedTime(started) < GiveUpAfter)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 100 * Math.Pow(2, attempt))), cancellationToken);
            }
        }
    }

    private static bool IsSiloLoss(Exception e) =>
        e is SiloUnavailableException or ConnectionFailedException or OrleansMessageRejectionException;
}
