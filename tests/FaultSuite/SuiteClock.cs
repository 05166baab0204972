using System.Diagnostics;

namespace TenantChat.FaultSuite;

/// <summary>One monotonic clock for the whole run, so call times and fault times compare directly.</summary>
public static class SuiteClock
{
    private static readonly long Start = Stopwatch.GetTimestamp();

    public static TimeSpan Now => Stopwatch.GetElapsedTime(Start);
}
