using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Tenants;

/// <summary>Tokens set aside for one admitted call: its prompt and the most it may generate.</summary>
public readonly record struct Reservation(int PromptTokens, int CompletionAllowance)
{
    public long Tokens => PromptTokens + (long)CompletionAllowance;
}

/// <summary>
/// A tenant's token budget in memory: the committed usage (as stored) plus the reservations of calls in flight.
/// A reservation must fit beside both, so no interleaving of calls can commit past the limit. Not thread-safe: only the
/// tenant's grain uses it, one turn at a time.
/// </summary>
public sealed class TenantBudget
{
    /// <summary>A call must be able to generate at least this much (or its whole allowance, if smaller).</summary>
    public const int MinimumCompletionTokens = 16;

    public TenantUsage Committed { get; private set; }

    public long Reserved { get; private set; }

    /// <summary>True after a write whose outcome is unknown: reload from the database before admitting again.</summary>
    public bool IsStale { get; private set; }

    public void Load(TenantUsage committed)
    {
        Committed = committed;
        IsStale = false;
    }

    public void MarkStale() => IsStale = true;

    /// <summary>
    /// Reserves a call's prompt and its allowance: what it may generate if no other call were in flight,
    /// <c>min(maxOutputTokens, limit − used − prompt)</c>. Null while that is not free beside the reservations of
    /// calls in flight: the call should wait for them rather than have its answer cut short by them.
    /// </summary>
    public Reservation? TryReserve(long tokenLimit, int promptTokens, int maxOutputTokens, DateTimeOffset now)
    {
        var unspent = tokenLimit - Committed.AsOf(now).TokensUsed;
        var allowance = (int)Math.Clamp(unspent - promptTokens, 0, maxOutputTokens);
        if (allowance < Math.Min(maxOutputTokens, MinimumCompletionTokens) || promptTokens + (long)allowance > unspent - Reserved)
        {
            return null;
        }
        var reservation = new Reservation(promptTokens, allowance);
        Reserved += reservation.Tokens;
        return reservation;
    }

    /// <summary>
    /// True when the call could not fit even if every call in flight settled charging nothing (a failed call is
    /// charged nothing, so no call in flight surely costs more): only then is waiting for them pointless.
    /// </summary>
    public bool CanNeverFit(long tokenLimit, int promptTokens, int maxOutputTokens, DateTimeOffset now) =>
        tokenLimit - Committed.AsOf(now).TokensUsed - promptTokens < Math.Min(maxOutputTokens, MinimumCompletionTokens);

    public void Release(Reservation reservation) => Reserved -= reservation.Tokens;
}
