using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace TenantChat.Bench;

/// <summary>
/// One wrk run, configured through the environment that wrk.lua reads. wrk runs under bash so that bash's
/// <c>times</c> can report the CPU wrk itself used: on two cores the load generator is a large share.
/// </summary>
public static class Wrk
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public sealed record class Run(WrkSummary Summary, double CpuSeconds);

    public static async Task<Run> RunAsync(string script, Uri url, int connections, int seconds, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-c", "wrk \"$@\"; status=$?; times >&2; exit $status", "wrk",
                     "-t", Math.Min(2, connections).ToString(CultureInfo.InvariantCulture),
                     "-c", connections.ToString(CultureInfo.InvariantCulture),
                     "-d", $"{seconds}s", "--timeout", "10s", "-s", script, url.AbsoluteUri])
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = await stdout;
        var errors = await stderr;
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("BENCH_JSON ", StringComparison.Ordinal));
        if (process.ExitCode != 0 || line is null)
        {
            throw new InvalidOperationException($"wrk failed (exit {process.ExitCode}):\n{output}\n{errors}");
        }
        var summary = JsonSerializer.Deserialize<WrkSummary>(line["BENCH_JSON ".Length..], Json)!;
        return new Run(summary, ChildCpuSeconds(errors));
    }

    /// <summary>The second line of bash's <c>times</c>: the user and system time of its children, "0m1.234s 0m0.567s".</summary>
    private static double ChildCpuSeconds(string stderr)
    {
        var lines = stderr.TrimEnd().Split('\n');
        return lines[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Sum(ParseTimes);

        static double ParseTimes(string value)
        {
            var minutes = value.Split('m');
            return (double.Parse(minutes[0], CultureInfo.InvariantCulture) * 60)
                + double.Parse(minutes[1].TrimEnd('s'), CultureInfo.InvariantCulture);
        }
    }
}
