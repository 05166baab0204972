using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace TenantChat.Bench;

/// <summary>
/// Our own HTTP client, for what a fixed-duration tool cannot express: creating tenants through the operator
/// API, exactly one call on each of many tenants, and N calls released at the same instant.
/// </summary>
public sealed class LoadClient(BenchOptions options) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        MaxConnectionsPerServer = int.MaxValue,
    })
    { Timeout = TimeSpan.FromSeconds(60) };

    public sealed record class Outcome(long Ok, long Failed, double WallMs, Latency Latency, IReadOnlyDictionary<int, long> Statuses);

    /// <summary>Creates tenants with the given domains (a taken domain counts as there); returns how many exist.</summary>
    public async Task<int> SeedAsync(IReadOnlyList<string> domains, int parallelism = 16)
    {
        var created = 0;
        await Parallel.ForEachAsync(domains, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (domain, cancel) =>
        {
            var body = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["name"] = $"Bench {domain}",
                ["domain"] = domain,
                ["system_prompt"] = BenchOptions.SystemPrompt,
                ["token_limit"] = 1_000_000_000_000_000L, // never the limit of a benchmark
                ["model"] = BenchOptions.Model,
            });
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Api, "/api/admin/tenants"))
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.AdminKey);
            using var response = await _http.SendAsync(request, cancel);
            if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
            {
                throw new InvalidOperationException(
                    $"Creating tenant {domain} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancel)}");
            }
            Interlocked.Increment(ref created);
        });
        return created;
    }

    /// <summary>One chat call on each host, at most <paramref name="parallelism"/> at a time.</summary>
    public async Task<Outcome> CallEachAsync(IReadOnlyList<string> hosts, int parallelism)
    {
        var latencies = new ConcurrentBag<double>();
        var statuses = new ConcurrentDictionary<int, long>();
        var wall = Stopwatch.StartNew();
        await Parallel.ForEachAsync(hosts, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, async (host, _) =>
        {
            var (status, ms) = await ChatAsync(options.Api, host);
            latencies.Add(ms);
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
        });
        return Summarize(latencies, statuses, wall.Elapsed.TotalMilliseconds);
    }

    /// <summary>
    /// <paramref name="calls"/> requests all started at one instant (their connections opened by an earlier
    /// round); the wall time is until the last one has its answer.
    /// </summary>
    public static async Task<Outcome> BurstAsync(Func<Task<(int Status, double Ms)>> call, int calls)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, calls).Select(async _ =>
        {
            await gate.Task;
            return await call();
        }).ToArray();
        var wall = Stopwatch.StartNew();
        gate.SetResult();
        var results = await Task.WhenAll(tasks);
        var elapsed = wall.Elapsed.TotalMilliseconds;
        var statuses = results.GroupBy(r => r.Status).ToDictionary(g => g.Key, g => (long)g.Count());
        return Summarize(results.Select(r => r.Ms), statuses, elapsed);
    }

    /// <summary>POST /api/chat/call on <paramref name="host"/>; the HTTP status (0 for a socket error) and the time taken.</summary>
    public async Task<(int Status, double Ms)> ChatAsync(Uri api, string host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, "/api/chat/call"))
        {
            Content = new StringContent($$"""{"prompt":"{{BenchOptions.Prompt}}"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Host = host;
        return await TimedAsync(request);
    }

    /// <summary>One POST of <paramref name="json"/> with extra headers; throws unless it answers 200, showing the answer.</summary>
    public async Task CheckPostAsync(Uri url, string json, IReadOnlyDictionary<string, string> headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"POST {url} answered {(int)response.StatusCode}: {text}");
        }
    }

    /// <summary>GET on the upstream directly, shaped like the silo's call for a bench tenant.</summary>
    public async Task<(int Status, double Ms)> UpstreamAsync(Uri url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        return await TimedAsync(request);
    }

    private async Task<(int Status, double Ms)> TimedAsync(HttpRequestMessage request)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            return ((int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (HttpRequestException)
        {
            return (0, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static Outcome Summarize(IEnumerable<double> latencies, IReadOnlyDictionary<int, long> statuses, double wallMs)
    {
        var ok = statuses.Where(s => s.Key is >= 200 and < 300).Sum(s => s.Value);
        return new Outcome(ok, statuses.Values.Sum() - ok, Math.Round(wallMs, 1), Latency.Of(latencies), statuses);
    }

    public void Dispose() => _http.Dispose();
}
