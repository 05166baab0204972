using System.Diagnostics;
using System.Globalization;

namespace TenantChat.Bench;

/// <summary>
/// Runs a load generator (wrk, pgbench) under bash, so that bash's <c>times</c> can report the CPU the command
/// itself used: on two cores the load generator is a large share.
/// </summary>
public static class TimedCommand
{
    public sealed record class Result(int ExitCode, string Output, string Errors, double CpuSeconds);

    public static async Task<Result> RunAsync(string command, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-c", "\"$0\" \"$@\"; status=$?; times >&2; exit $status", command, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{command} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var errors = await stderr;
        return new Result(process.ExitCode, await stdout, errors, ChildCpuSeconds(errors));
    }

    /// <summary>The second line of bash's <c>times</c>: the user and system time of its children, "0m1.234s 0m0.567s".</summary>
    private static double ChildCpuSeconds(string stderr)
    {
        var lines = stderr.TrimEnd().Split('\n');
        return lines[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Sum(ParseTimes);

        static double ParseTimes(string value)
        {
            var minutes = value.Split('m');
            return minutes.Length != 2 ? 0 : (double.Parse(minutes[0], CultureInfo.InvariantCulture) * 60)
                + double.Parse(minutes[1].TrimEnd('s'), CultureInfo.InvariantCulture);
        }
    }
}
