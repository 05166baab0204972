using System.Globalization;
using System.Text;

namespace TenantChat.KnowledgeBench;

/// <summary>The figures, printed as they come and written as a markdown table.</summary>
public sealed class Report
{
    private readonly List<(string What, string Figure)> _rows = [];

    public void Add(string what, string figure)
    {
        Console.WriteLine($"{what}: {figure}");
        _rows.Add((what, figure));
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    public async Task WriteAsync(string path, int chunks)
    {
        var text = new StringBuilder();
        text.AppendLine("# Knowledge benchmark");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"Written by `scripts/bench-knowledge.sh` on {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC ({Environment.ProcessorCount} cores, shared).");
        text.AppendLine(CultureInfo.InvariantCulture, $"One tenant with {chunks:N0} chunks; one embedding worker (one core). Figures from one run: on a shared VM they vary.");
        text.AppendLine(CultureInfo.InvariantCulture, $"Load average when it ended (other work on the machine): {LoadAverage()}.");
        text.AppendLine();
        text.AppendLine("| what | figure |");
        text.AppendLine("| --- | --- |");
        foreach (var (what, figure) in _rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {what} | {figure} |");
        }
        await File.WriteAllTextAsync(path, text.ToString());
    }
}
