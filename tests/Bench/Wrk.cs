using System.Globalization;
using System.Text.Json;

namespace TenantChat.Bench;

/// <summary>One wrk run, configured through the environment that wrk.lua reads.</summary>
public static class Wrk
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public sealed record class Run(WrkSummary Summary, double CpuSeconds);

    public static async Task<Run> RunAsync(string script, Uri url, int connections, int seconds, IReadOnlyDictionary<string, string> environment)
    {
        var result = await TimedCommand.RunAsync("wrk",
            ["-t", Math.Min(2, connections).ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
             "-d", $"{seconds}s", "--timeout", "10s", "-s", script, url.AbsoluteUri],
            environment);
        var line = result.Output.Split('\n').FirstOrDefault(l => l.StartsWith("BENCH_JSON ", StringComparison.Ordinal));
        if (result.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"wrk failed (exit {result.ExitCode}):\n{result.Output}\n{result.Errors}");
        }
        var summary = JsonSerializer.Deserialize<WrkSummary>(line["BENCH_JSON ".Length..], Json)!;
        return new Run(summary, result.CpuSeconds);
    }
}
