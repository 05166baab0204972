using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace TenantChat.Bench;

/// <summary>
/// The measurements, in the order they run. "main" runs against the zero-latency upstream; "slow" runs after
/// scripts/bench.sh has restarted the silo and frontend against the 200 ms upstream.
/// </summary>
public sealed partial class Phases(BenchOptions options, LoadClient client, ProcessProbe processes, DatabaseProbe database, JitProbe jit)
{
    private readonly List<Scenario> _scenarios = [];
    private readonly List<CountedRun> _counted = [];
    private readonly List<MemoryPoint> _memory = [];
    private CpuUse? _idle;
    private CommitFloorResult? _commitFloor;
    private ChatWarmup? _warmup;

    private Uri ChatUrl => new(options.Api, "/api/chat/call");

    /// <summary>The upstream request the silo makes for a bench tenant's call, so the floor does the same work.</summary>
    private Uri FloorUrl => new(options.Upstream.AbsoluteUri.TrimEnd('/') + "/" + Uri.EscapeDataString(BenchOptions.Prompt)
        + "?system=" + Uri.EscapeDataString(BenchOptions.SystemPrompt) + "&model=" + BenchOptions.Model);

    public async Task<PhaseResults> MainAsync()
    {
        await MeasureIdleAsync();
        Log($"seeding 1 hot tenant and {options.Tenants} tenants");
        await client.SeedAsync([BenchOptions.HotDomain, .. Domains(1, options.Tenants)]);
        _memory.Add(processes.Memory($"{options.Tenants + 1} tenants created (their grains active)", options.Tenants + 1));

        foreach (var connections in (int[])[8, 64])
        {
            await WrkAsync($"floor-c{connections}", "Fake upstream called directly (the floor)", "upstream", 0, connections, FloorUrl, Floor());
        }
        await PeersAsync();
        _commitFloor = await CommitFloor.MeasureAsync(options, processes);
        await WarmUpChatAsync();
        foreach (var connections in (int[])[8, 64])
        {
            await WrkAsync($"hot-c{connections}", "/api/chat/call, 1 hot tenant", "chat", 1, connections, ChatUrl, OneHost(BenchOptions.HotDomain));
        }
        foreach (var connections in (int[])[8, 64])
        {
            await WrkAsync($"tenants{options.Tenants}-c{connections}", $"/api/chat/call, {options.Tenants:N0} tenants in rotation", "chat",
                options.Tenants, connections, ChatUrl, Rotation(options.Tenants));
        }
        _memory.Add(processes.Memory($"after the {options.Tenants:N0}-tenant runs", options.Tenants + 1));

        Log($"seeding tenants {options.Tenants + 1}..{options.ActiveTenants}");
        await client.SeedAsync(Domains(options.Tenants + 1, options.ActiveTenants));
        await CountedAsync($"each-of-{options.ActiveTenants}", $"one call on each of {options.ActiveTenants:N0} tenants (64 at a time)",
            options.ActiveTenants, 64, () => client.CallEachAsync(Domains(1, options.ActiveTenants), 64));
        _memory.Add(processes.Memory($"{options.ActiveTenants:N0} tenants active, each called once", options.ActiveTenants + 1));

        foreach (var connections in (int[])[8, 64])
        {
            await WrkAsync($"tenants{options.ActiveTenants}-c{connections}", $"/api/chat/call, {options.ActiveTenants:N0} active tenants in rotation",
                "chat", options.ActiveTenants, connections, ChatUrl, Rotation(options.ActiveTenants));
        }
        _memory.Add(processes.Memory($"after the {options.ActiveTenants:N0}-tenant runs", options.ActiveTenants + 1));
        return await ResultsAsync("main");
    }

    public async Task<PhaseResults> SlowAsync()
    {
        await MeasureIdleAsync();
        var calls = options.BurstCalls;
        var floor = FloorUrl;
        await LoadClient.BurstAsync(() => client.UpstreamAsync(floor), calls); // opens the connections
        await CountedAsync($"floor-burst{calls}-slow", $"{calls} calls at once, 200 ms upstream called directly (the floor)", calls, calls,
            () => LoadClient.BurstAsync(() => client.UpstreamAsync(floor), calls), measureDatabase: false);

        // The first round opens the connections and warms the path; then three measured rounds.
        await LoadClient.BurstAsync(() => client.ChatAsync(options.Api, BenchOptions.HotDomain), calls);
        for (var round = 1; round <= 3; round++)
        {
            await CountedAsync($"hot-burst{calls}-slow-r{round}", $"{calls} calls at once on 1 tenant, 200 ms upstream (round {round})", calls, calls,
                () => LoadClient.BurstAsync(() => client.ChatAsync(options.Api, BenchOptions.HotDomain), calls));
        }
        await WrkAsync($"hot-c{calls}-slow", $"/api/chat/call, 1 tenant, 200 ms upstream, {calls} connections", "chat", 1, calls, ChatUrl,
            OneHost(BenchOptions.HotDomain), seconds: Math.Min(options.Seconds, 8));
        _memory.Add(processes.Memory("after the 200 ms upstream runs (restarted silo)", 1));
        return await ResultsAsync("slow");
    }

    /// <summary>
    /// The peers on the fake upstream's OpenAI-compatible route: the route called directly (their floor), nginx as a
    /// bare reverse-proxy hop, and the Portkey gateway as a plain proxy to a custom OpenAI host. Each is skipped when
    /// scripts/bench.sh did not start it.
    /// </summary>
    private async Task PeersAsync()
    {
        if (options.OpenAiUpstream is not { } direct)
        {
            return;
        }
        var body = new Dictionary<string, string>
        {
            ["BENCH_MODE"] = "openai", ["BENCH_PROMPT"] = BenchOptions.Prompt, ["BENCH_SYSTEM"] = BenchOptions.SystemPrompt,
            ["BENCH_MODEL"] = BenchOptions.Model,
        };
        var json = JsonSerializer.Serialize(new
        {
            model = BenchOptions.Model,
            messages = new[] { new { role = "system", content = BenchOptions.SystemPrompt }, new { role = "user", content = BenchOptions.Prompt } },
        });
        await client.CheckPostAsync(direct, json, new Dictionary<string, string>());
        foreach (var connections in (int[])[8, 64])
        {
            await WrkAsync($"openai-floor-c{connections}", "Fake upstream's OpenAI route called directly (the peers' floor)", "upstream-openai", 0,
                connections, direct, body);
        }
        if (options.Nginx is { } nginx)
        {
            await client.CheckPostAsync(new Uri(nginx, OpenAiPath), json, new Dictionary<string, string>());
            foreach (var connections in (int[])[8, 64])
            {
                await WrkAsync($"nginx-c{connections}", "nginx, a bare reverse-proxy hop", "peer", 0, connections, new Uri(nginx, OpenAiPath), body);
            }
        }
        if (options.Portkey is { } portkey)
        {
            var portkeyHeaders = new Dictionary<string, string>
            {
                ["x-portkey-provider"] = "openai",
                ["x-portkey-custom-host"] = direct.GetLeftPart(UriPartial.Authority) + "/v1",
                ["Authorization"] = "Bearer bench",
            };
            var headers = new Dictionary<string, string>(body)
            {
                // A plain proxy: no config, no cache, no retries; the fake upstream as a custom OpenAI-compatible host.
                ["BENCH_HEADERS"] = string.Join('|', portkeyHeaders.Select(header => $"{header.Key}: {header.Value}")),
            };
            await client.CheckPostAsync(new Uri(portkey, OpenAiPath), json, portkeyHeaders);
            foreach (var connections in (int[])[8, 64])
            {
                await WrkAsync($"portkey-c{connections}", "Portkey gateway, a plain proxy", "peer", 0, connections, new Uri(portkey, OpenAiPath), headers);
            }
        }
    }

    private const string OpenAiPath = "/v1/chat/completions";

    /// <summary>
    /// Rounds of <see cref="BenchOptions.JitRoundSeconds"/> (the tenants in rotation at c=64, then the hot tenant at
    /// c=8) for at least <see cref="BenchOptions.ChatWarmupSeconds"/>, then until a round in which the silo and the
    /// frontend together compiled at most <see cref="BenchOptions.JitQuietMethods"/> methods, or
    /// <see cref="BenchOptions.ChatWarmupMaxSeconds"/> in all.
    /// </summary>
    private async Task WarmUpChatAsync()
    {
        if (options.ChatWarmupSeconds <= 0)
        {
            return;
        }
        Log($"chat warm-up: at least {options.ChatWarmupSeconds}s, then until a {BenchOptions.JitRoundSeconds}s round compiles at most " +
            $"{options.JitQuietMethods} methods (at most {options.ChatWarmupMaxSeconds}s in all), unmeasured");
        var started = Stopwatch.GetTimestamp();
        double Elapsed() => Stopwatch.GetElapsedTime(started).TotalSeconds;
        var half = BenchOptions.JitRoundSeconds / 2;
        var before = await jit.CountAsync();
        var rounds = 0;
        long[] compiled;
        bool settled;
        do
        {
            await Wrk.RunAsync(options.WrkScript, ChatUrl, 64, half, Rotation(options.Tenants));
            await Wrk.RunAsync(options.WrkScript, ChatUrl, 8, half, OneHost(BenchOptions.HotDomain));
            var after = await jit.CountAsync();
            compiled = [.. after.Zip(before, (a, b) => a - b)];
            before = after;
            rounds++;
            settled = compiled.Sum() <= options.JitQuietMethods;
            Log($"chat warm-up round {rounds} ({Elapsed():0}s): the silo compiled {compiled[0]} methods, the frontend {compiled[1]}");
        }
        while ((Elapsed() < options.ChatWarmupSeconds || !settled) && Elapsed() + BenchOptions.JitRoundSeconds <= options.ChatWarmupMaxSeconds);
        _warmup = new ChatWarmup(Math.Round(Elapsed()), rounds, compiled[0], compiled[1], settled);
        await Task.Delay(500);
    }

    /// <summary>The machine before any load of ours: on a shared machine, other work takes cores from the benchmark.</summary>
    private async Task MeasureIdleAsync()
    {
        var before = processes.Take();
        await Task.Delay(TimeSpan.FromSeconds(3));
        _idle = ProcessProbe.Between(before, processes.Take(), 0);
        Log($"before any load: {_idle.MachineBusy} cores busy, {_idle.Other} of them not ours");
    }

    private async Task WrkAsync(string id, string title, string target, int tenants, int connections, Uri url,
        Dictionary<string, string> environment, int? seconds = null)
    {
        var duration = seconds ?? options.Seconds;
        Log($"{id}: {options.WarmupSeconds}s warm-up, then {duration}s at c={connections}");
        if (options.WarmupSeconds > 0)
        {
            await Wrk.RunAsync(options.WrkScript, url, connections, options.WarmupSeconds, environment);
            await Task.Delay(500); // calls still in flight when wrk stopped finish before the counters are read
        }
        var cpuBefore = processes.Take();
        var dbBefore = await database.TakeAsync();
        var run = await Wrk.RunAsync(options.WrkScript, url, connections, duration, environment);
        var cpu = ProcessProbe.Between(cpuBefore, processes.Take(), run.CpuSeconds);
        await Task.Delay(1000);
        var summary = run.Summary;
        var ok = summary.Requests - summary.Errors.Status;
        var db = target == "chat" ? DatabaseProbe.Between(dbBefore, await database.TakeAsync(), ok) : null;
        _scenarios.Add(new Scenario(id, title, target, tenants, connections, Math.Round(summary.Seconds, 2), summary.Requests,
            Math.Round(summary.Requests / summary.Seconds, 1), summary.Latency, summary.ToErrors(), db, cpu));
        Log($"{id}: {summary.Requests / summary.Seconds:F0} req/s, p50 {summary.Latency.P50Ms} ms, p99 {summary.Latency.P99Ms} ms, " +
            $"errors {summary.Errors.Status + summary.Errors.Connect + summary.Errors.Read + summary.Errors.Write + summary.Errors.Timeout}" +
            (db is null ? "" : $", {db.StatementsPerCall} statements/call, stored {db.StoredMessages} for {db.ChatCallsOk} ok"));
    }

    private async Task CountedAsync(string id, string title, int calls, int parallelism, Func<Task<LoadClient.Outcome>> run, bool measureDatabase = true)
    {
        Log($"{id}: {title}");
        var cpuBefore = processes.Take();
        var dbBefore = await database.TakeAsync();
        var outcome = await run();
        var cpu = ProcessProbe.Between(cpuBefore, processes.Take(), null);
        var stored = measureDatabase ? (await database.TakeAsync()).Messages - dbBefore.Messages : (long?)null;
        _counted.Add(new CountedRun(id, title, calls, parallelism, outcome.Ok, outcome.Failed, stored, outcome.WallMs, outcome.Latency, cpu));
        Log($"{id}: {outcome.Ok} ok, {outcome.Failed} failed, stored {stored?.ToString(CultureInfo.InvariantCulture) ?? "-"}, " +
            $"all done in {outcome.WallMs} ms, p50 {outcome.Latency.P50Ms} ms, max {outcome.Latency.MaxMs} ms");
    }

    private async Task<PhaseResults> ResultsAsync(string phase) =>
        new(phase, await database.DescribeAsync(), _idle!, _scenarios, _counted, _memory, _commitFloor, _warmup);

    private static List<string> Domains(int from, int to) => [.. Enumerable.Range(from, to - from + 1).Select(BenchOptions.TenantDomain)];

    private static Dictionary<string, string> Floor() => new() { ["BENCH_MODE"] = "floor" };

    private static Dictionary<string, string> OneHost(string host) => new()
    {
        ["BENCH_MODE"] = "chat", ["BENCH_HOST"] = host, ["BENCH_PROMPT"] = BenchOptions.Prompt,
    };

    private static Dictionary<string, string> Rotation(int count) => new()
    {
        ["BENCH_MODE"] = "chat",
        ["BENCH_HOST_FORMAT"] = BenchOptions.TenantDomainLuaFormat,
        ["BENCH_HOST_COUNT"] = count.ToString(CultureInfo.InvariantCulture),
        ["BENCH_PROMPT"] = BenchOptions.Prompt,
    };

    public static void Log(string message) => Console.WriteLine($"==> {message}");
}
