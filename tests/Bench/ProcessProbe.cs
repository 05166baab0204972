using System.Diagnostics;
using System.Globalization;

namespace TenantChat.Bench;

/// <summary>
/// CPU time and memory of the processes under test, read from /proc. PostgreSQL counts with all its backends
/// (children of the postmaster), including those that exited (the postmaster's reaped-children times); a peer
/// (nginx, the Portkey gateway) likewise with its children.
/// </summary>
public sealed class ProcessProbe(BenchOptions options)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public sealed record class Sample(
        long TimestampTicks, double Silo, double Frontend, double Postgres, double Upstream, double Peer, double Own, double MachineBusy);

    public Sample Take()
    {
        var children = ChildrenCpuSeconds([options.PostgresPid, .. options.PeerPids]);
        return new(
            Stopwatch.GetTimestamp(),
            CpuSeconds(options.SiloPid),
            CpuSeconds(options.FrontendPid),
            CpuSeconds(options.PostgresPid, includeReapedChildren: true) + children[options.PostgresPid],
            options.UpstreamPids.Sum(pid => CpuSeconds(pid)),
            options.PeerPids.Sum(pid => CpuSeconds(pid, includeReapedChildren: true) + children[pid]),
            Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
            MachineBusySeconds());
    }

    /// <summary>
    /// Cores used between two samples. <paramref name="externalLoadSeconds"/> is the CPU of a load generator that
    /// ran as a child (wrk); our own process counts when it generated the load itself.
    /// </summary>
    public static CpuUse Between(Sample before, Sample after, double? externalLoadSeconds)
    {
        var wall = Stopwatch.GetElapsedTime(before.TimestampTicks, after.TimestampTicks).TotalSeconds;
        double Cores(double seconds) => Math.Round(seconds / wall, 2);
        var ours = (after.Silo - before.Silo) + (after.Frontend - before.Frontend) + (after.Postgres - before.Postgres)
            + (after.Upstream - before.Upstream) + (after.Peer - before.Peer) + (externalLoadSeconds ?? after.Own - before.Own);
        var busy = after.MachineBusy - before.MachineBusy;
        return new CpuUse(
            Cores(after.Silo - before.Silo),
            Cores(after.Frontend - before.Frontend),
            Cores(after.Postgres - before.Postgres),
            Cores(after.Upstream - before.Upstream),
            Cores(after.Peer - before.Peer),
            Cores(externalLoadSeconds ?? after.Own - before.Own),
            Cores(busy),
            Cores(Math.Max(0, busy - ours)));
    }

    public MemoryPoint Memory(string label, int activeTenants) => new(
        label, activeTenants, StatusMb(options.SiloPid, "VmRSS"), StatusMb(options.SiloPid, "VmHWM"), StatusMb(options.FrontendPid, "VmRSS"));

    /// <summary>
    /// The CPU time of the running children of each of <paramref name="parents"/> (PostgreSQL's backends, nginx's
    /// workers), one walk over /proc for all.
    /// </summary>
    private static Dictionary<int, double> ChildrenCpuSeconds(IReadOnlyList<int> parents)
    {
        var totals = parents.Distinct().ToDictionary(pid => pid, _ => 0.0);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && StatFields(pid) is { } fields && int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var parent)
                && totals.ContainsKey(parent))
            {
                totals[parent] += Seconds(fields, 11) + Seconds(fields, 12);
            }
        }
        return totals;
    }

    private static double CpuSeconds(int pid, bool includeReapedChildren = false)
    {
        if (StatFields(pid) is not { } fields)
        {
            return 0;
        }
        var own = Seconds(fields, 11) + Seconds(fields, 12);
        return includeReapedChildren ? own + Seconds(fields, 13) + Seconds(fields, 14) : own;
    }

    /// <summary>The fields of /proc/PID/stat after the command name: [0] is the state, [1] the parent, [11] utime.</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null; // the process exited between listing and reading
        }
    }

    private static double Seconds(string[] fields, int index) => long.Parse(fields[index], CultureInfo.InvariantCulture) / TicksPerSecond;

    /// <summary>All CPU time of the machine that was not idle, summed over cores.</summary>
    private static double MachineBusySeconds()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // cpu user nice system idle iowait irq softirq steal ...
        var values = cpu.Skip(1).Take(8).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return (values.Sum() - values[3] - values[4]) / TicksPerSecond;
    }

    private static double StatusMb(int pid, string key)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        var kb = line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return Math.Round(kb / 1024.0, 1);
    }
}
