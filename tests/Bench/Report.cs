using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace TenantChat.Bench;

/// <summary>Merges the phases' raw results and writes docs/benchmarks.json and docs/benchmarks.md.</summary>
public static class Report
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
    };

    private static readonly string[] PhaseOrder = ["main", "knowledge", "slow"];

    public static async Task WriteAsync(string resultsDirectory, string docsDirectory)
    {
        var phases = new List<PhaseResults>();
        foreach (var file in Directory.GetFiles(resultsDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            await using var stream = File.OpenRead(file);
            phases.Add((await JsonSerializer.DeserializeAsync<PhaseResults>(stream, Json))!);
        }
        // In the order they ran, whatever their files' names: the report's tables follow it.
        phases = [.. phases.OrderBy(p => Array.IndexOf(PhaseOrder, p.Phase))];
        var main = phases.FirstOrDefault(p => p.Phase == "main") ?? throw new InvalidOperationException("No results of the main phase.");
        var options = (Tenants: EnvironmentNumber("BENCH_TENANTS", 1000), Active: EnvironmentNumber("BENCH_ACTIVE_TENANTS", 10_000));
        var scenarios = phases.SelectMany(p => p.Scenarios).ToList();
        var counted = phases.SelectMany(p => p.Counted).ToList();
        var started = Environment.GetEnvironmentVariable("BENCH_STARTED");
        var commitFloor = phases.Select(p => p.CommitFloor).FirstOrDefault(floor => floor is not null);
        var report = new BenchReport(
            DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            Environment.GetEnvironmentVariable("BENCH_COMMIT") ?? "unknown",
            started is null ? null : DateTimeOffset.UtcNow.ToUnixTimeSeconds() - long.Parse(started, CultureInfo.InvariantCulture),
            ReadMachine(), RuntimeInformation.FrameworkDescription, main.Postgres,
            Environment.GetEnvironmentVariable("BENCH_SWITCHES") is { Length: > 0 } switches ? switches : "none",
            [.. phases.Select(p => p.Idle)], options.Tenants, options.Active,
            Targets.Check(scenarios, counted, commitFloor, options.Tenants, options.Active), Targets.Ratios(scenarios),
            Targets.PeerRatios(scenarios, options.Tenants), commitFloor, scenarios, counted, [.. phases.SelectMany(p => p.Memory)],
            main.Warmup);

        Directory.CreateDirectory(docsDirectory);
        await File.WriteAllTextAsync(Path.Combine(docsDirectory, "benchmarks.json"), JsonSerializer.Serialize(report, Json) + "\n");
        var markdownPath = Path.Combine(docsDirectory, "benchmarks.md");
        var kept = File.Exists(markdownPath) ? MarkdownReport.KeptProfile(await File.ReadAllTextAsync(markdownPath)) : null;
        await File.WriteAllTextAsync(markdownPath, MarkdownReport.Render(report, kept));
    }

    private static Machine ReadMachine()
    {
        var cpuModel = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        var memKb = File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var os = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?.Split('=', 2)[1].Trim('"')
            : null;
        return new Machine(Environment.ProcessorCount, cpuModel, Math.Round(long.Parse(memKb, CultureInfo.InvariantCulture) / 1024.0 / 1024.0, 1),
            os ?? RuntimeInformation.OSDescription, File.ReadAllText("/proc/sys/kernel/osrelease").Trim());
    }

    private static int EnvironmentNumber(string name, int fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;
}
