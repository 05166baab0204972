using TenantChat.Grains.Tenants;

namespace TenantChat.Grains.Accounts;

/// <summary>
/// One tenant's sign-in throttle, kept in its accounts grain so every frontend sees the same. Per email: after
/// <see cref="SignInOptions.FreeFailures"/> failures in a row, each further failure refuses that email for twice as
/// long as the one before, never longer than <see cref="SignInOptions.MaxBackoffSeconds"/>. Per client address: a
/// token bucket, so one address cannot walk through many emails. An attempt counts as a failure from the moment it
/// is let through until its password proves right, so parallel guesses cannot slip past the count.
/// Not thread-safe: used inside one grain's turns.
/// </summary>
public sealed class SignInThrottle(SignInOptions options, TimeProvider clock)
{
    private readonly Dictionary<string, EmailFailures> _emails = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TokenBucket> _addresses = new(StringComparer.Ordinal);

    /// <summary>Null when the attempt may go ahead (it is counted), else the seconds until it may.</summary>
    public int? TryBegin(string email, string clientAddress)
    {
        var now = clock.GetUtcNow();
        _emails.TryGetValue(email, out var failures);
        if (failures is not null && now - failures.LastFailure > TimeSpan.FromSeconds(options.ForgetFailuresAfterSeconds))
        {
            failures = null;
            _emails.Remove(email);
        }
        if (failures is not null && failures.LockedUntil > now)
        {
            return Seconds(failures.LockedUntil - now);
        }
        if (!_addresses.TryGetValue(clientAddress, out var bucket))
        {
            Prune(_addresses, pair => pair.Value.IsFull(now));
            bucket = new TokenBucket(options.AddressBurst, now, options.AddressPerMinute);
            _addresses[clientAddress] = bucket;
        }
        if (!bucket.TryTake(1, now, out var retryAfter))
        {
            return Seconds(retryAfter);
        }
        if (failures is null)
        {
            Prune(_emails, pair => pair.Value.LockedUntil <= now);
            failures = new EmailFailures();
            _emails[email] = failures;
        }
        failures.Count++;
        failures.LastFailure = now;
        var beyondFree = failures.Count - options.FreeFailures;
        if (beyondFree > 0)
        {
            var backoff = options.BackoffSeconds * Math.Pow(2, Math.Min(beyondFree - 1, 30));
            failures.LockedUntil = now + TimeSpan.FromSeconds(Math.Min(backoff, options.MaxBackoffSeconds));
        }
        return null;
    }

    /// <summary>Emails and addresses held in memory.</summary>
    public int Tracked => _emails.Count + _addresses.Count;

    /// <summary>The password was right: the email's failures are forgotten.</summary>
    public void Succeeded(string email) => _emails.Remove(email);

    private static int Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    /// <summary>
    /// Keeps memory bounded whatever an attacker sends: past <see cref="SignInOptions.MaxTracked"/> entries the idle
    /// ones go, and if that is not enough, the older half.
    /// </summary>
    private void Prune<T>(Dictionary<string, T> entries, Func<KeyValuePair<string, T>, bool> idle)
    {
        if (entries.Count < options.MaxTracked)
        {
            return;
        }
        foreach (var key in entries.Where(idle).Select(pair => pair.Key).ToList())
        {
            entries.Remove(key);
        }
        if (entries.Count >= options.MaxTracked)
        {
            // A Dictionary enumerates in insertion order, but for slots freed by removals: roughly the older half.
            foreach (var key in entries.Keys.Take(entries.Count / 2).ToList())
            {
                entries.Remove(key);
            }
        }
    }

    private sealed class EmailFailures
    {
        public int Count { get; set; }

        public DateTimeOffset LastFailure { get; set; }

        public DateTimeOffset LockedUntil { get; set; } = DateTimeOffset.MinValue;
    }
}
