using System.Collections.Concurrent;

namespace TenantChat.FaultSuite.Scenarios;

/// <summary>
/// c. Tenant A floods at ten times its rate limit through both frontends while tenant B's callers go on as usual.
/// A's excess must be refused with 429 rate_limited and a Retry-After, and B's median latency while A floods must
/// stay within 20% of its median without the flood. Quiet and flooded phases alternate, so a burst of other work on
/// this shared two-core machine falls on both sides of the comparison rather than on one.
/// </summary>
public sealed class NoisyNeighbourScenario(FaultRun run)
{
    private const int RateLimitRpm = 600;
    private const int FloodPerSecond = RateLimitRpm / 60 * 10;
    private const int Rounds = 4;
    private const int CallsPerPhase = 25;
    private const double AllowedSlowdown = 1.2;

    /// <summary>How long the flood may take to spend A's burst allowance (a full bucket: one minute's worth of calls).</summary>
    private static readonly TimeSpan DrainBound = TimeSpan.FromSeconds(30);

    public async Task RunAsync()
    {
        var report = run.Report;
        var flooder = (await run.CreateTenantsAsync("flood", 1, tokenLimit: 1_000_000_000, rateLimitRpm: RateLimitRpm))[0];
        var quiet = (await run.CreateTenantsAsync("quiet", 1, tokenLimit: 1_000_000_000))[0];
        var flood = new Flood(run.Client, flooder);
        var measured = new List<(bool Flooded, ChatCall Call)>();
        var floodedWindows = new List<(TimeSpan Start, TimeSpan End)>();

        // Both tenants active on their silos and both frontends' connections open before anything is measured.
        for (var i = 0; i < 4; i++)
        {
            await run.Client.ChatAsync(flooder, i % 2, $"flood warm-up {i}: where is my order?");
            await run.Client.ChatAsync(quiet, i % 2, $"quiet warm-up {i}: where is my order?");
        }

        using var stop = new CancellationTokenSource();
        var flooding = flood.RunAsync(stop.Token);
        try
        {
            for (var round = 0; round < Rounds; round++)
            {
                flood.On = false;
                measured.AddRange((await MeasureAsync(quiet, $"round {round} quiet")).Select(call => (false, call)));

                flood.On = true;
                var drainStarted = SuiteClock.Now;
                if (!await Wait.UntilAsync(flood.IsRefusedNow, DrainBound))
                {
                    report.Check("the flood spends A's burst allowance and is refused", false,
                        $"no steady run of 429s within {DrainBound.TotalSeconds:0} s: {Invariants.Distribution(flood.Calls)}");
                    return;
                }
                if (round == 0)
                {
                    Report.Info($"A's burst allowance was spent after {Invariants.Duration(SuiteClock.Now - drainStarted)} of flood");
                }
                var windowStart = SuiteClock.Now;
                measured.AddRange((await MeasureAsync(quiet, $"round {round} flooded")).Select(call => (true, call)));
                floodedWindows.Add((windowStart, SuiteClock.Now));
            }
        }
        finally
        {
            await stop.CancelAsync();
            await flooding;
        }

        var floodCalls = flood.Calls.ToList();
        var rate = floodCalls.Count(call => floodedWindows.Any(window => call.Started >= window.Start && call.Started < window.End))
            / floodedWindows.Sum(window => (window.End - window.Start).TotalSeconds);
        Report.Info($"A's calls: {Invariants.Distribution(floodCalls)}; {rate:0} calls/s while B was measured (limit {RateLimitRpm / 60.0:0}/s)");
        CheckFlooder(floodCalls, rate);
        CheckQuietLatency(measured);

        var quietCalls = measured.Select(entry => entry.Call).ToList();
        await Invariants.EveryAcceptedCallIsStoredAsync(run, [flooder], floodCalls);
        await Invariants.EveryAcceptedCallIsStoredAsync(run, [quiet], quietCalls);
        await Invariants.LedgerMatchesUsageAsync(run, [flooder, quiet]);
    }

    private async Task<List<ChatCall>> MeasureAsync(FaultTenant tenant, string phase)
    {
        var calls = new List<ChatCall>();
        for (var i = 0; i < CallsPerPhase; i++)
        {
            // One at a time, as a single user would: each latency is the service's, not a queue of the suite's own.
            calls.Add(await run.Client.ChatAsync(tenant, i % run.Client.FrontendCount, $"quiet {phase} call {i}: where is my order?"));
        }
        return calls;
    }

    private void CheckFlooder(List<ChatCall> calls, double rate)
    {
        var refused = calls.Where(call => !call.Succeeded).ToList();
        var wrong = refused.Where(call => call is not { Status: 429, Code: "rate_limited", IsProblem: true, RetryAfter: not null }).ToList();
        run.Report.Check("A's excess is refused with 429 rate_limited, each with Retry-After", refused.Count > 0 && wrong.Count == 0,
            refused.Count == 0 ? "no call of A was refused"
            : wrong.Count == 0 ? $"{refused.Count} refusals, all 429 rate_limited with Retry-After (e.g. {refused[^1].RetryAfter} s)"
            : $"{wrong.Count} of {refused.Count} were not: {Invariants.Distribution(wrong)}");
        run.Report.Check($"A was flooded at 10× its limit ({FloodPerSecond}/s) while B was measured", rate >= FloodPerSecond * 0.9,
            $"{rate:0} calls/s sent by A in B's flooded phases (the suite's timers may lag up to 10%)");

        // A full bucket on activation, then the limit's rate: more admitted calls than that would be a leak.
        var admitted = calls.Count(call => call.Succeeded);
        var span = calls.Max(call => call.Started) - calls.Min(call => call.Started);
        var allowed = RateLimitRpm + (int)Math.Ceiling(RateLimitRpm * span.TotalMinutes) + 5;
        run.Report.Check("A is admitted no faster than its limit allows", admitted <= allowed,
            $"{admitted} admitted in {Invariants.Duration(span)} of flood (at most {allowed}: a full bucket of {RateLimitRpm}, "
            + $"then {RateLimitRpm}/min, and 5 for the gap between the suite's clock and the grain's)");
    }

    private void CheckQuietLatency(List<(bool Flooded, ChatCall Call)> measured)
    {
        var failed = measured.Where(entry => !entry.Call.Succeeded).Select(entry => entry.Call).ToList();
        run.Report.Check("every call of B is answered 200", failed.Count == 0,
            failed.Count == 0 ? $"{measured.Count} calls" : Invariants.Distribution(failed));

        var quiet = Sorted(measured.Where(entry => !entry.Flooded));
        var flooded = Sorted(measured.Where(entry => entry.Flooded));
        var quietP50 = Invariants.Quantile(quiet, 0.5);
        var floodedP50 = Invariants.Quantile(flooded, 0.5);
        var ratio = floodedP50 / quietP50;
        run.Report.Check($"B's p50 latency under A's flood is within {AllowedSlowdown - 1:P0} of its unloaded p50", ratio <= AllowedSlowdown,
            $"unloaded p50 {Ms(quietP50)}, p90 {Ms(Invariants.Quantile(quiet, 0.9))}; flooded p50 {Ms(floodedP50)}, "
            + $"p90 {Ms(Invariants.Quantile(flooded, 0.9))} ({ratio:0.00}×; {quiet.Count} + {flooded.Count} sequential calls, "
            + "50 ms of each is the fake upstream's delay)");
    }

    private static List<TimeSpan> Sorted(IEnumerable<(bool Flooded, ChatCall Call)> entries) =>
        [.. entries.Select(entry => entry.Call.Latency).Order()];

    private static string Ms(TimeSpan duration) => $"{duration.TotalMilliseconds:0.0} ms";

    /// <summary>
    /// Tenant A's calls at <see cref="FloodPerSecond"/> while <see cref="On"/>, from workers that each keep their own
    /// schedule, so one slow answer delays one worker's next call, not the whole flood.
    /// </summary>
    private sealed class Flood(TenantChatClient client, FaultTenant tenant)
    {
        private const int Workers = 20;
        private static readonly TimeSpan WorkerInterval = TimeSpan.FromSeconds((double)Workers / FloodPerSecond);

        private readonly ConcurrentQueue<ChatCall> _calls = new();
        private int _sent;

        public volatile bool On;

        public IReadOnlyCollection<ChatCall> Calls => _calls;

        /// <summary>
        /// True when at least 15 of A's 20 latest answered calls were refused: its burst allowance is spent. (Then
        /// about one call in ten still gets through, as the bucket refills at a tenth of the flood's rate.)
        /// </summary>
        public bool IsRefusedNow()
        {
            var latest = _calls.OrderByDescending(call => call.Finished).Take(20).ToList();
            return latest.Count == 20 && latest.Count(call => call.Status == 429) >= 15;
        }

        public Task RunAsync(CancellationToken stop) =>
            Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(() => WorkAsync(worker, stop), CancellationToken.None)));

        private async Task WorkAsync(int worker, CancellationToken stop)
        {
            // Workers start spread over one interval, so the calls arrive evenly rather than twenty at a time.
            var next = SuiteClock.Now + WorkerInterval * worker / Workers;
            while (!stop.IsCancellationRequested)
            {
                if (!await Wait.UntilTimeAsync(next, stop))
                {
                    return;
                }
                next += WorkerInterval;
                if (On)
                {
                    var prompt = $"flood call {Interlocked.Increment(ref _sent)}: where is my order?";
                    _calls.Enqueue(await client.ChatAsync(tenant, worker % client.FrontendCount, prompt, CancellationToken.None));
                }
            }
        }
    }
}
