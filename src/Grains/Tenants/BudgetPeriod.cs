using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// A tenant's budget renews at the start of each calendar month (UTC); usage counts from then, or from the last
/// reset, whichever is later.
/// </summary>
public static class BudgetPeriod
{
    public static DateTimeOffset MonthStart(DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
    }

    /// <summary>The usage as it stands at <paramref name="now"/>: a new month starts again from zero.</summary>
    public static TenantUsage AsOf(this TenantUsage usage, DateTimeOffset now)
    {
        var monthStart = MonthStart(now);
        return monthStart > usage.PeriodStart ? new TenantUsage(0, 0, monthStart) : usage;
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
}
