using System.Globalization;
using static TenantChat.Bench.Targets;

namespace TenantChat.Bench;

/// <summary>docs/benchmarks.md's peers: nginx and the Portkey gateway on the same fake upstream, and TenantChat's ratios to each.</summary>
public static class PeersReport
{
    public static void Render(BenchReport r, Action<FormattableString> line)
    {
        line($"## Against the peers");
        line($"");
        if (r.RatiosToPeers.Count == 0)
        {
            line($"No peer was measured in this run.");
            line($"");
            return;
        }
        line($"TenantChat's figure divided by the peer's at the same concurrency (throughput: above 1 is better; latency: below 1 is better).");
        line($"");
        line($"| TenantChat scenario | peer | c | TenantChat calls/s | peer requests/s | throughput ratio | p50 ratio | p99 ratio |");
        line($"| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var p in r.RatiosToPeers)
        {
            var chat = r.Scenarios.First(s => s.Id == p.Scenario);
            var peer = r.Scenarios.First(s => s.Id == p.Peer);
            line($"| {chat.Title} | {peer.Title} | {p.Connections} | {F(chat.RequestsPerSecond)} | {F(peer.RequestsPerSecond)} | {p.ThroughputRatio:0.00} | {p.P50Ratio:0.00} | {p.P99Ratio:0.00} |");
        }
        line($"");
        line($"The peers store nothing and check no budget: nginx passes each request on over a kept-alive connection; the Portkey");
        line($"gateway (`@portkey-ai/gateway`, started with node, headers `x-portkey-provider: openai` and `x-portkey-custom-host`)");
        line($"parses, transforms and forwards the OpenAI request, with no config, cache or retries. A TenantChat call stores its");
        line($"message durably and charges the tenant before it answers.");
        line($"");
    }
}
