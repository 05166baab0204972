namespace TenantChat.Bench;

/// <summary>docs/benchmarks.md's comparison of the hot tenant with knowledge off (phase main) and on (phase knowledge).</summary>
public static class KnowledgeReport
{
    public static void Render(BenchReport r, Action<FormattableString> line)
    {
        var pairs = (from connections in (int[])[8, 64]
                     let knowledgeOff = r.Scenarios.FirstOrDefault(s => s.Id == $"hot-c{connections}")
                     let knowledgeOn = r.Scenarios.FirstOrDefault(s => s.Id == Phases.KnowledgeScenario(connections))
                     where knowledgeOff is not null && knowledgeOn is not null
                     select (Connections: connections, Off: knowledgeOff, On: knowledgeOn)).ToList();
        if (pairs.Count == 0)
        {
            return;
        }
        line($"## Knowledge on and off");
        line($"");
        line($"| 1 hot tenant | c | knowledge off calls/s | knowledge on calls/s | on / off | off p50 ms | on p50 ms | added p50 ms | on p99 ms |");
        line($"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (connections, off, on) in pairs)
        {
            var share = off.RequestsPerSecond == 0 ? 0 : on.RequestsPerSecond / off.RequestsPerSecond;
            line($"| {on.Title} | {connections} | {Targets.F(off.RequestsPerSecond)} | {Targets.F(on.RequestsPerSecond)} | {share:0.00} | {off.Latency.P50Ms:0.00} | {on.Latency.P50Ms:0.00} | {on.Latency.P50Ms - off.Latency.P50Ms:0.00} | {on.Latency.P99Ms:0.00} |");
        }
        line($"");
        line($"Knowledge off is the hot tenant of the runs above. Knowledge on is another tenant on the same silo and frontend,");
        line($"measured right after them, with `knowledge.enabled` and its articles indexed before the load starts. Every call asks");
        line($"\"{KnowledgeCorpus.Prompt}\": it embeds the prompt on the silo's embedding workers,");
        line($"searches the tenant's vectors in memory and its words in PostgreSQL, and sends the chunks found upstream inside the");
        line($"system parameter (counted as prompt tokens). No cache answers any of these calls.");
        line($"");
        var reads = r.Scenarios.Where(s => s.Id.StartsWith("history-c", StringComparison.Ordinal)).ToList();
        if (reads.Count > 0)
        {
            line($"## A tenant user's reads (row-level security applies)");
            line($"");
            line($"| run | c | requests/s | p50 ms | p99 ms | CPU µs / request |");
            line($"| --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var read in reads)
            {
                line($"| {read.Title} | {read.Connections} | {Targets.F(read.RequestsPerSecond)} | {read.Latency.P50Ms:0.00} | {read.Latency.P99Ms:0.00} | {CpuPerRequest(read)} |");
            }
            line($"");
            line($"Each request is one tenant-scoped statement (the role and the tenant setting travel with the query). The");
            line($"knowledge tenant's history holds the calls of the runs above. Compare a run with");
            line($"`BENCH_SILO_ENV=Database__RowLevelSecurity=false` for the policy's cost (the switches are named at the top).");
            line($"");
        }
    }

    private static string CpuPerRequest(Scenario s) =>
        s.RequestsPerSecond == 0 ? "-" : (s.Cpu.System / s.RequestsPerSecond * 1e6).ToString("0", System.Globalization.CultureInfo.InvariantCulture);
}
