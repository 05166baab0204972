using System.Globalization;

namespace TenantChat.Bench;

/// <summary>Compares a run with the targets of issue 11.</summary>
public static class Targets
{
    public const double HotCallsPerSecond = 6000;
    public const double ManyTenantsCallsPerSecond = 5000;
    public const double AddedP50OverCommitMs = 1;
    public const double AddedP99OverCommitMs = 5;
    public const double LowConcurrencyShare = 0.40;
    public const double CpuMicrosecondsPerCall = 200;
    public const double TimesPortkey = 10;
    public const double ManyTenantsSlack = 0.10;
    public const double BurstMs = 1000;

    /// <summary>Each chat scenario against the direct call of its upstream, each peer against the route it proxies.</summary>
    public static IReadOnlyList<FloorRatio> Ratios(IReadOnlyList<Scenario> scenarios) =>
    [
        .. from s in scenarios
           let floorTarget = s.Target switch { "chat" => "upstream", "peer" => "upstream-openai", _ => null }
           where floorTarget is not null
           let floor = scenarios.FirstOrDefault(f => f.Target == floorTarget && f.Connections == s.Connections)
           where floor is not null
           select new FloorRatio(s.Id, floor.Id, Math.Round(s.RequestsPerSecond / floor.RequestsPerSecond, 3),
               Round(s.Latency.P50Ms - floor.Latency.P50Ms), Round(s.Latency.P90Ms - floor.Latency.P90Ms),
               Round(s.Latency.P99Ms - floor.Latency.P99Ms)),
    ];

    /// <summary>The hot tenant and the many-tenant rotation against every peer at the same concurrency.</summary>
    public static IReadOnlyList<PeerRatio> PeerRatios(IReadOnlyList<Scenario> scenarios, int tenants) =>
    [
        .. from id in (string[])["hot", $"tenants{tenants}"]
           from connections in (int[])[8, 64]
           let chat = scenarios.FirstOrDefault(s => s.Id == $"{id}-c{connections}")
           where chat is not null
           from peer in scenarios.Where(s => s.Target == "peer" && s.Connections == connections)
           select new PeerRatio(chat.Id, peer.Id, connections, Ratio(chat.RequestsPerSecond, peer.RequestsPerSecond),
               Ratio(chat.Latency.P50Ms, peer.Latency.P50Ms), Ratio(chat.Latency.P99Ms, peer.Latency.P99Ms)),
    ];

    public static IReadOnlyList<TargetCheck> Check(
        IReadOnlyList<Scenario> scenarios, IReadOnlyList<CountedRun> counted, CommitFloorResult? commitFloor, int tenants, int activeTenants)
    {
        var checks = new List<TargetCheck>();
        Scenario? Find(string id) => scenarios.FirstOrDefault(s => s.Id == id);
        var many = $"tenants{tenants}";

        foreach (var (id, goal) in (ValueTuple<string, double>[])[("hot-c64", HotCallsPerSecond), ($"{many}-c64", ManyTenantsCallsPerSecond)])
        {
            if (Find(id) is { } s)
            {
                var stored = s.Database is { } db ? $"; stored {db.StoredMessages:N0} for {db.ChatCallsOk:N0} 200s" : "";
                checks.Add(AtLeast($"{s.Title}, c=64: throughput", $">= {goal:N0} calls/s, every message stored", s.RequestsPerSecond, goal, "calls/s", stored));
            }
        }
        foreach (var connections in (int[])[8, 64])
        {
            if (Find($"hot-c{connections}") is { } one && Find($"tenants{activeTenants}-c{connections}") is { } active)
            {
                checks.Add(Within($"{activeTenants:N0} tenants vs 1 tenant, c={connections}: p50", one.Latency.P50Ms, active.Latency.P50Ms));
            }
        }
        if (commitFloor is not null)
        {
            var ratios = Ratios(scenarios);
            foreach (var id in (string[])["hot-c8", $"{many}-c8"])
            {
                if (ratios.FirstOrDefault(r => r.Scenario == id) is { } r)
                {
                    var p50Limit = commitFloor.Latency.P50Ms + AddedP50OverCommitMs;
                    var p99Limit = commitFloor.Latency.P99Ms + AddedP99OverCommitMs;
                    checks.Add(AtMost($"{id}: added p50 over the direct upstream", $"<= commit floor p50 + {AddedP50OverCommitMs} ms = {F(p50Limit)} ms",
                        r.AddedP50Ms, p50Limit, "ms"));
                    checks.Add(AtMost($"{id}: added p99 over the direct upstream", $"<= commit floor p99 + {AddedP99OverCommitMs} ms = {F(p99Limit)} ms",
                        r.AddedP99Ms, p99Limit, "ms"));
                }
            }
        }
        if (Find("hot-c8") is { } low && Find("hot-c64") is { } high)
        {
            var share = high.RequestsPerSecond == 0 ? 0 : low.RequestsPerSecond / high.RequestsPerSecond;
            checks.Add(AtLeast("1 hot tenant: c=8 throughput as a share of c=64", $">= {LowConcurrencyShare * 100:0}%", share * 100, LowConcurrencyShare * 100,
                "%", $" ({F(low.RequestsPerSecond)} vs {F(high.RequestsPerSecond)} calls/s)"));
        }
        foreach (var id in (string[])["hot-c8", "hot-c64", $"{many}-c8", $"{many}-c64"])
        {
            if (Find(id) is { RequestsPerSecond: > 0 } s)
            {
                checks.Add(AtMost($"{id}: CPU per call, silo + frontend + PostgreSQL", $"<= {CpuMicrosecondsPerCall:0} µs", s.Cpu.System / s.RequestsPerSecond * 1e6,
                    CpuMicrosecondsPerCall, "µs"));
            }
        }
        var portkey = scenarios.Where(s => s.Id.StartsWith("portkey-", StringComparison.Ordinal)).MaxBy(s => s.RequestsPerSecond);
        var best = scenarios.Where(s => s.Id is "hot-c8" or "hot-c64").MaxBy(s => s.RequestsPerSecond);
        if (portkey is not null && best is not null)
        {
            var goal = TimesPortkey * portkey.RequestsPerSecond;
            checks.Add(AtLeast($"best of 1 hot tenant (c={best.Connections}) vs {TimesPortkey:0}x Portkey's best (c={portkey.Connections})",
                $">= {TimesPortkey:0}x {F(portkey.RequestsPerSecond)} = {F(goal)} calls/s", best.RequestsPerSecond, goal, "calls/s"));
        }
        var bursts = counted.Where(c => c.Id.StartsWith("hot-burst", StringComparison.Ordinal)).ToList();
        if (bursts.Count > 0)
        {
            var worst = bursts.MaxBy(b => b.WallMs)!;
            var failed = bursts.Sum(b => b.Failed);
            var check = AtMost($"(issue 6) {worst.Calls} concurrent calls on 1 tenant, 200 ms upstream: all done (worst of {bursts.Count} rounds)",
                $"< {BurstMs:N0} ms", worst.WallMs, BurstMs, "ms", failed > 0 ? $"; {failed} failed" : "");
            checks.Add(failed > 0 ? check with { Met = false } : check);
        }
        return checks;
    }

    private static TargetCheck AtLeast(string target, string goal, double measured, double limit, string unit, string extra = "")
    {
        var met = measured >= limit;
        var margin = met
            ? $"met, {F(measured / limit)}x the target"
            : $"missed by {F(limit - measured)} {unit}: {F(measured / limit * 100)}% of the target, {F(limit / measured)}x short";
        return new TargetCheck(target, goal, $"{F(measured)} {unit}{extra}", met, margin);
    }

    private static TargetCheck AtMost(string target, string goal, double measured, double limit, string unit, string extra = "")
    {
        var met = goal.StartsWith('<') && !goal.StartsWith("<=", StringComparison.Ordinal) ? measured < limit : measured <= limit;
        var margin = met
            ? $"met, {F(limit - measured)} {unit} to spare"
            : $"missed by {F(measured - limit)} {unit} ({F(measured / limit)}x the limit)";
        return new TargetCheck(target, goal, $"{F(measured)} {unit}{extra}", met, margin);
    }

    private static TargetCheck Within(string target, double oneTenant, double manyTenants)
    {
        var change = oneTenant == 0 ? 0 : (manyTenants - oneTenant) / oneTenant;
        var met = change <= ManyTenantsSlack;
        var margin = met
            ? $"met ({F(change * 100)}% vs 1 tenant)"
            : $"missed: {F(change * 100)}% slower, {F((change - ManyTenantsSlack) * 100)} points over the allowed 10%";
        return new TargetCheck(target, "within 10% of 1 tenant", $"{F(manyTenants)} ms vs {F(oneTenant)} ms", met, margin);
    }

    private static double Ratio(double value, double of) => of == 0 ? 0 : Math.Round(value / of, 3);

    private static double Round(double value) => Math.Round(value, 3);

    public static string F(double value) => value.ToString(Math.Abs(value) >= 100 ? "N0" : "0.##", CultureInfo.InvariantCulture);
}
