using System.Globalization;

namespace TenantChat.Bench;

/// <summary>
/// How many methods the silo and the frontend have compiled so far, from the <c>dotnet.jit.compiled_methods</c>
/// counter each serves on <c>/metrics</c>. With tiered compilation and dynamic PGO a server keeps recompiling its hot
/// methods for minutes under load; while it does, a row measures the JIT as well as the chat path.
/// </summary>
public sealed class JitProbe(IReadOnlyList<Uri> metrics) : IDisposable
{
    private const string Counter = "system_runtime_dotnet_jit_compiled_methods ";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The compiled-methods count of each process, in the order of the URLs given.</summary>
    public async Task<long[]> CountAsync()
    {
        var counts = new long[metrics.Count];
        for (var i = 0; i < metrics.Count; i++)
        {
            var text = await _http.GetStringAsync(metrics[i]);
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(Counter, StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"{metrics[i]} has no {Counter.Trim()}.");
            counts[i] = (long)double.Parse(line[Counter.Length..], CultureInfo.InvariantCulture);
        }
        return counts;
    }

    public void Dispose() => _http.Dispose();
}
