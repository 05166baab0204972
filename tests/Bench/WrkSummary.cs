namespace TenantChat.Bench;

/// <summary>What wrk.lua's done() prints on its BENCH_JSON line, in microseconds.</summary>
public sealed record class WrkSummary(long Requests, long DurationUs, WrkErrors Errors, WrkLatency LatencyUs)
{
    public double Seconds => DurationUs / 1e6;

    public Latency Latency => new(Ms(LatencyUs.P50), Ms(LatencyUs.P90), Ms(LatencyUs.P99), Ms(LatencyUs.Max), Ms(LatencyUs.Mean));

    public Errors ToErrors() => new(Errors.Status, Errors.Connect + Errors.Read + Errors.Write + Errors.Timeout);

    private static double Ms(double us) => Math.Round(us / 1000, 3);
}

public sealed record class WrkErrors(long Connect, long Read, long Write, long Status, long Timeout);

public sealed record class WrkLatency(double Min, double Mean, double P50, double P90, double P99, double Max);
