using System.Globalization;
using System.Text;
using static TenantChat.Bench.Targets;

namespace TenantChat.Bench;

/// <summary>
/// docs/benchmarks.md. Everything is generated from the run except the profile notes between the profile
/// markers, which are written by hand and kept across runs.
/// </summary>
public static class MarkdownReport
{
    private const string ProfileStart = "<!-- profile:start (written by hand; kept when scripts/bench.sh rewrites this file) -->";
    private const string ProfileEnd = "<!-- profile:end -->";

    public static string? KeptProfile(string markdown)
    {
        var start = markdown.IndexOf(ProfileStart, StringComparison.Ordinal);
        var end = markdown.IndexOf(ProfileEnd, StringComparison.Ordinal);
        return start < 0 || end < start ? null : markdown[(start + ProfileStart.Length)..end].Trim('\n');
    }

    public static string Render(BenchReport r, string? profile)
    {
        var md = new StringBuilder();
        void Line(FormattableString text) => md.AppendLine(FormattableString.Invariant(text));
        var m = r.Machine;

        Line($"# Benchmarks");
        Line($"");
        Line($"Written by `scripts/bench.sh` on {r.GeneratedAt} at commit `{r.Commit}`{(r.WallSeconds is { } w ? $"; the whole command took {(int)(w / 60)} min {w % 60:0} s" : "")}.");
        Line($"");
        Line($"**Machine:** {m.Cores} cores (`nproc`), {m.CpuModel}, {m.MemoryGib} GiB memory, {m.Os}, kernel {m.Kernel}; {r.Runtime}; {r.Postgres}.");
        Line($"");
        Line($"**Switches** given to the silo and the frontend (`BENCH_SILO_ENV`, `BENCH_FRONTEND_ENV`): {r.Switches}.");
        Line($"");
        Line($"Everything runs on this one machine over loopback: PostgreSQL (with `pg_stat_statements`), the fake upstream, one silo, one");
        Line($"frontend and the load generator share the {m.Cores} cores. The load generator is `wrk` (2 threads, closed loop, each run after a");
        Line($"short warm-up) or, where a count matters more than a duration, our own client (`tests/Bench`). Every message is written with");
        Line($"`fsync` on: a `200` means the message is durable.");
        Line($"");
        var others = r.Scenarios.Select(s => s.Cpu.Other).DefaultIfEmpty(0).ToList();
        Line($"**Other work on the machine.** Before the load started, {string.Join(" and ", r.IdleBeforePhases.Select(i => $"{i.Other:0.00}"))} of {m.Cores} cores were");
        Line($"already busy with processes that are not part of the benchmark; during the runs, such work took {others.Min():0.00} to {others.Max():0.00}");
        Line($"cores (column \"other\" under \"What is in the way\"). On a shared machine every figure below is lower than the hardware allows.");
        Line($"");
        Line($"**Ratios to the floor.** The floor is the fake upstream called directly by the same load generator at the same concurrency,");
        Line($"measured in this same run. Only the columns \"x floor\" (chat calls/s divided by floor requests/s) and \"added\" (chat");
        Line($"percentile minus floor percentile: a difference of percentiles, not a percentile of differences) are relative to it; every");
        Line($"other figure is absolute, for this machine. The peers (nginx, the Portkey gateway) proxy the fake upstream's");
        Line($"OpenAI-compatible route, so their floor is that route called directly.");
        Line($"");

        Line($"## Targets of issue 11");
        Line($"");
        Line($"| target | goal | measured | verdict |");
        Line($"| --- | --- | --- | --- |");
        foreach (var t in r.Targets)
        {
            Line($"| {t.Target} | {t.Goal} | {t.Measured} | {(t.Met ? "**met**" : "**missed**")}: {t.Margin} |");
        }
        Line($"| silo memory with {r.ActiveTenants:N0} active tenants | reported | {MemoryAt(r, r.ActiveTenants)} | reported below |");
        Line($"");

        Line($"## Throughput and latency");
        Line($"");
        Line($"| scenario | c | calls/s | x floor | p50 ms | p90 ms | p99 ms | max ms | added p50 / p99 ms | non-2xx | socket errors |");
        Line($"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var s in r.Scenarios)
        {
            var ratio = r.RatiosToFloor.FirstOrDefault(x => x.Scenario == s.Id);
            Line($"| {s.Title} | {s.Connections} | {F(s.RequestsPerSecond)} | {(ratio is null ? "" : ratio.ThroughputRatio.ToString("0.00", CultureInfo.InvariantCulture))} | {s.Latency.P50Ms:0.00} | {s.Latency.P90Ms:0.00} | {s.Latency.P99Ms:0.00} | {s.Latency.MaxMs:0.0} | {(ratio is null ? "" : $"{ratio.AddedP50Ms:0.00} / {ratio.AddedP99Ms:0.00}")} | {s.Errors.Non2xx} | {s.Errors.Socket} |");
        }
        Line($"");
        Line($"Each row is {(r.Scenarios.Count > 0 ? r.Scenarios[0].Seconds : 0):0} s of `wrk` (the 200 ms upstream's row: shorter). Tenants in rotation: every request");
        Line($"carries the next tenant's `Host`, so each tenant is called in turn.");
        Line($"");
        Line($"**Warm-up.** Before the first chat row, unmeasured chat load runs in {BenchOptions.JitRoundSeconds} s rounds (the tenants in rotation at c=64,");
        Line($"then the hot tenant at c=8): with tiered compilation and dynamic PGO the silo and the frontend go on recompiling their");
        Line($"hot methods for minutes, and a row measured meanwhile measures the JIT too (9-13% of both processes' CPU samples in the");
        Line($"first row after a 20 s warm-up; CPU per call fell by a fifth to a quarter over the first two to three minutes of");
        Line($"load). It runs at least `BENCH_CHAT_WARMUP_SECONDS` (150), then until a round in which both processes together");
        Line($"compiled at most `BENCH_JIT_QUIET_METHODS` (100) methods, read from their `dotnet.jit.compiled_methods` counters, or");
        Line($"`BENCH_CHAT_WARMUP_MAX_SECONDS` (300) in all. The residue is rarely run code (membership, the directory's upkeep, new");
        Line($"upstream connections) reaching its next tier, not the chat path.");
        Line($"{WarmupOutcome(r.ChatWarmup)}");
        Line($"");
        KnowledgeReport.Render(r, Line);
        FloorReport.Render(r, Line);
        PeersReport.Render(r, Line);

        Line($"## Every message stored, and database round trips per call");
        Line($"");
        Line($"| scenario | c | 200s | messages stored | statements / call | write transactions / call | round trips / call (est.) |");
        Line($"| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var s in r.Scenarios.Where(s => s.Database is not null))
        {
            var db = s.Database!;
            Line($"| {s.Title} | {s.Connections} | {db.ChatCallsOk:N0} | {db.StoredMessages:N0} | {db.StatementsPerCall:0.000} | {(double)db.WriteTransactions / Math.Max(1, db.ChatCallsOk):0.000} | {db.RoundTripsPerCall:0.000} |");
        }
        Line($"");
        Line($"Statements are the `pg_stat_statements` calls during the run (the probe's own queries left out) divided by the calls that");
        Line($"answered 200. Write transactions are the transaction ids PostgreSQL handed out. A round trip is estimated as one per write");
        Line($"transaction (a batch of messages and the tenant's totals travel together) plus one per read-only statement. wrk stops with");
        Line($"up to c calls in flight; those finish and are stored but are not among its 200s, so \"stored\" may exceed \"200s\" by at most c.");
        Line($"The counted runs below compare exactly.");
        Line($"");
        foreach (var s in r.Scenarios.Where(s => s.Database is { Top.Count: > 0 } && s.Connections == 64))
        {
            Line($"Statements of \"{s.Title}\", c={s.Connections}:");
            Line($"");
            Line($"| calls | per chat call | statement |");
            Line($"| ---: | ---: | --- |");
            foreach (var q in s.Database!.Top)
            {
                Line($"| {q.Calls:N0} | {(double)q.Calls / Math.Max(1, s.Database.ChatCallsOk):0.000} | `{q.Query.Replace("|", "\\|", StringComparison.Ordinal)}` |");
            }
            Line($"");
        }

        Line($"## Counted runs (our client)");
        Line($"");
        Line($"| run | calls | at once | 200s | failed | messages stored | all done in ms | p50 ms | p99 ms | max ms |");
        Line($"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var c in r.CountedRuns)
        {
            Line($"| {c.Title} | {c.Calls:N0} | {c.Parallelism} | {c.Ok:N0} | {c.Failed} | {(c.Stored is { } st ? st.ToString("N0", CultureInfo.InvariantCulture) : "n/a")} | {c.WallMs:0} | {c.Latency.P50Ms:0.0} | {c.Latency.P99Ms:0.0} | {c.Latency.MaxMs:0.0} |");
        }
        Line($"");
        Line($"The first call on a tenant after it was created finds its grain already active; a burst is released at one instant after a");
        Line($"first, unmeasured round has opened the {r.CountedRuns.FirstOrDefault(c => c.Id.Contains("burst", StringComparison.Ordinal))?.Parallelism ?? 0} connections.");
        Line($"");

        Line($"## Memory");
        Line($"");
        Line($"| when | tenants active | silo RSS MiB | silo peak RSS MiB | frontend RSS MiB |");
        Line($"| --- | ---: | ---: | ---: | ---: |");
        foreach (var p in r.Memory)
        {
            Line($"| {p.Label} | {p.ActiveTenants:N0} | {p.SiloRssMb:0.0} | {p.SiloPeakRssMb:0.0} | {p.FrontendRssMb:0.0} |");
        }
        Line($"");
        var few = r.Memory.FirstOrDefault(p => p.ActiveTenants == r.Tenants + 1 && p.Label.StartsWith("after", StringComparison.Ordinal));
        var many = r.Memory.FirstOrDefault(p => p.ActiveTenants == r.ActiveTenants + 1);
        if (few is not null && many is not null)
        {
            Line($"From {few.ActiveTenants:N0} to {many.ActiveTenants:N0} active tenants the silo grew by {many.SiloRssMb - few.SiloRssMb:0} MiB: about");
            Line($"{(many.SiloRssMb - few.SiloRssMb) * 1024 / (many.ActiveTenants - few.ActiveTenants):0.0} KiB per active tenant.");
        }
        Line($"RSS is `VmRSS` (peak: `VmHWM`) from `/proc/PID/status`; the .NET GC keeps freed memory for reuse, so RSS is an upper bound on");
        Line($"what the tenants hold.");
        Line($"");

        Line($"## What is in the way");
        Line($"");
        Line($"CPU by process during each run, in cores (of {m.Cores}), and CPU time per chat call:");
        Line($"");
        Line($"| scenario | c | silo | frontend | postgres | upstream | peer | load generator | other | machine busy | silo µs/call | frontend µs/call | postgres µs/call | all three µs/call | peer µs/call |");
        Line($"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var s in r.Scenarios)
        {
            double PerCall(double cores) => s.RequestsPerSecond == 0 ? 0 : cores / s.RequestsPerSecond * 1e6;
            var c = s.Cpu;
            Line($"| {s.Title} | {s.Connections} | {c.Silo:0.00} | {c.Frontend:0.00} | {c.Postgres:0.00} | {c.Upstream:0.00} | {c.Peer:0.00} | {c.LoadGenerator:0.00} | {c.Other:0.00} | {c.MachineBusy:0.00} | {PerCall(c.Silo):0} | {PerCall(c.Frontend):0} | {PerCall(c.Postgres):0} | {PerCall(c.System):0} | {PerCall(c.Peer):0} |");
        }
        Line($"");
        Line($"\"All three\" is silo + frontend + PostgreSQL: what TenantChat itself costs per call (target: <= {Targets.CpuMicrosecondsPerCall:0} µs). \"Peer\"");
        Line($"is nginx's or the Portkey gateway's processes, per request they proxied.");
        Line($"");
        md.AppendLine(ProfileStart);
        md.AppendLine(profile ?? "(No profile notes yet.)");
        md.AppendLine(ProfileEnd);
        Line($"");

        Line($"## Reproduce");
        Line($"");
        Line($"`scripts/bench.sh` on a Debian 12 machine with the .NET 10 SDK and root; see the README's \"Benchmarks\" section for its settings.");
        return md.ToString();
    }

    private static string MemoryAt(BenchReport r, int activeTenants) =>
        r.Memory.LastOrDefault(p => p.ActiveTenants >= activeTenants) is { } p ? $"silo RSS {p.SiloRssMb:0} MiB" : "not measured";

    private static string WarmupOutcome(ChatWarmup? warmup) => warmup switch
    {
        null => "This run had no chat warm-up.",
        { Settled: true } => $"This run warmed up for {warmup.Seconds:0} s ({warmup.Rounds} rounds); the last round compiled {warmup.LastRoundSiloMethods} methods in the silo and {warmup.LastRoundFrontendMethods} in the frontend.",
        _ => $"This run stopped at {warmup.Seconds:0} s ({warmup.Rounds} rounds) before the JIT was quiet: the last round still compiled {warmup.LastRoundSiloMethods} methods in the silo and {warmup.LastRoundFrontendMethods} in the frontend.",
    };
}
