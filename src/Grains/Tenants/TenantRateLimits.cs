using TenantChat.Grains.Models;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// A tenant's requests-per-minute and tokens-per-minute buckets, and its cap on calls in flight. They live in the
/// tenant's single grain activation, so the limits hold for the whole cluster, whichever frontend a call enters.
/// </summary>
public sealed class TenantRateLimits(int maxConcurrentCalls)
{
    private TokenBucket? _requests;
    private TokenBucket? _tokens;
    private (int? Rpm, int? Tpm) _configured;

    public int InFlight { get; private set; }

    /// <summary>Admits a call that may use <paramref name="tokens"/>, or gives the seconds to wait.</summary>
    public bool TryAdmit(TenantSettings settings, long tokens, DateTimeOffset now, out int retryAfterSeconds)
    {
        Configure(settings, now);
        retryAfterSeconds = 1;
        if (InFlight >= maxConcurrentCalls)
        {
            return false;
        }
        if (_requests is not null && !_requests.TryTake(1, now, out var requestWait))
        {
            retryAfterSeconds = Seconds(requestWait);
            return false;
        }
        if (_tokens is not null && !_tokens.TryTake(tokens, now, out var tokenWait))
        {
            _requests?.Return(1);
            retryAfterSeconds = Seconds(tokenWait);
            return false;
        }
        InFlight++;
        return true;
    }

    /// <summary>Ends an admitted call: the tokens it took but did not use go back to the bucket.</summary>
    public void Complete(long takenTokens, long usedTokens)
    {
        InFlight--;
        _tokens?.Return(takenTokens - usedTokens);
    }

    private void Configure(TenantSettings settings, DateTimeOffset now)
    {
        if (_configured == (settings.RateLimitRpm, settings.RateLimitTpm))
        {
            return;
        }
        _configured = (settings.RateLimitRpm, settings.RateLimitTpm);
        _requests = settings.RateLimitRpm is { } rpm ? new TokenBucket(rpm, now) : null;
        _tokens = settings.RateLimitTpm is { } tpm ? new TokenBucket(tpm, now) : null;
    }

    private static int Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
}
