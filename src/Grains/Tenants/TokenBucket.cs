namespace TenantChat.Grains.Tenants;

/// <summary>
/// A token bucket: holds up to <see cref="Capacity"/>, refills evenly at <paramref name="perMinute"/> (by default the
/// whole bucket over a minute), so a tenant may burst up to its per-minute limit and then continues at the limit's
/// rate. Not thread-safe: used inside one grain's turns.
/// </summary>
public sealed class TokenBucket(double capacity, DateTimeOffset now, double? perMinute = null)
{
    private double _available = capacity;
    private DateTimeOffset _updated = now;

    public double Capacity { get; } = capacity;

    private double RefillPerSecond => (perMinute ?? Capacity) / 60;

    /// <summary>Takes <paramref name="amount"/>, or says how long until it could be taken.</summary>
    public bool TryTake(double amount, DateTimeOffset now, out TimeSpan retryAfter)
    {
        Refill(now);
        // More than the whole bucket can never fit: wait for a full bucket rather than forever.
        var needed = Math.Min(amount, Capacity);
        if (_available >= needed)
        {
            _available -= amount;
            retryAfter = TimeSpan.Zero;
            return true;
        }
        retryAfter = TimeSpan.FromSeconds((needed - _available) / RefillPerSecond);
        return false;
    }

    /// <summary>True when the bucket has refilled completely: it then says no more than a new one would.</summary>
    public bool IsFull(DateTimeOffset now)
    {
        Refill(now);
        return _available >= Capacity;
    }

    /// <summary>Gives back what a call took but did not use.</summary>
    public void Return(double amount) => _available = Math.Min(Capacity, _available + amount);

    private void Refill(DateTimeOffset now)
    {
        var elapsed = (now - _updated).TotalSeconds;
        if (elapsed > 0)
        {
            _available = Math.Min(Capacity, _available + (elapsed * RefillPerSecond));
            _updated = now;
        }
    }
}
