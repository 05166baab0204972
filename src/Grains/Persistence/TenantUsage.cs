namespace TenantChat.Grains.Persistence;

/// <summary>
/// Tokens and calls counted since <see cref="PeriodStart"/>: the start of the calendar month (UTC) or the last
/// reset, whichever is later.
/// </summary>
public readonly record struct TenantUsage(long TokensUsed, long Calls, DateTimeOffset PeriodStart)
{
    /// <summary>The usage as it stands at <paramref name="now"/>: a new month starts again from zero.</summary>
    public TenantUsage AsOf(DateTimeOffset now)
    {
        var monthStart = MonthStart(now);
        return monthStart > PeriodStart ? new TenantUsage(0, 0, monthStart) : this;
    }

    /// <summary>
    /// Seconds until the budget renews, when that is within the hour; else null. A refusal for a spent budget
    /// carries it as Retry-After only then: "come back in three weeks" helps nobody.
    /// </summary>
    public static int? RetryAfterSeconds(DateTimeOffset now)
    {
        var wait = MonthStart(now).AddMonths(1) - now;
        return wait <= TimeSpan.FromHours(1) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : null;
    }

    public static DateTimeOffset MonthStart(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
    }
}
