namespace TenantChat.FaultSuite.Scenarios;

/// <summary>
/// d. SIGTERM to a frontend while calls with a slow upstream are in flight through it, as an orchestrator stops a
/// process (docker stop, a rolling update). The frontend must stop taking new connections but finish those calls:
/// every one answered 200 and stored, charged once. Then it is started again for the scenarios after this one.
/// </summary>
public sealed class FrontendStopScenario(FaultRun run)
{
    private const int Frontend = 1;
    private const string Service = "frontend2";
    private const int CallsInFlight = 20;
    private const int UpstreamDelayMs = 2000;

    public async Task RunAsync()
    {
        var report = run.Report;
        var tenants = await run.CreateTenantsAsync("festop", 2, tokenLimit: 100_000_000, upstreamMarker: $"[fake:delay={UpstreamDelayMs}]");
        // The tenants' grains active and the frontend's tenant cache warm: what is measured is the stop, not a first call.
        foreach (var tenant in tenants)
        {
            await run.Client.ChatAsync(tenant, Frontend, $"festop warm-up for tenant {tenant.Index}: where is my order?");
        }

        var sent = SuiteClock.Now;
        var calls = Enumerable.Range(0, CallsInFlight).Select(i =>
            run.Client.ChatAsync(tenants[i % tenants.Count], Frontend, $"festop call {i} for tenant {i % tenants.Count}: where is my order?")).ToList();
        var arrived = await run.Client.WaitForCallsInProgressAsync([Frontend], CallsInFlight, TimeSpan.FromSeconds(15));
        Report.Info($"{arrived} of {CallsInFlight} calls in progress on {Service} after {Invariants.Duration(SuiteClock.Now - sent)} (upstream takes {UpstreamDelayMs} ms)");

        var pid = await run.Control.PidAsync(Service);
        var terminated = SuiteClock.Now;
        var stopError = await run.TryTerminateAsync(Service);
        var exited = SuiteClock.Now;
        var answered = await Task.WhenAll(calls);
        Report.Info($"SIGTERM to {Service} (pid {pid}) at {Invariants.Seconds(terminated)}; it exited {Invariants.Duration(exited - terminated)} later");
        Report.Info($"calls in flight: {Invariants.Distribution(answered)}; {Invariants.Latencies(answered)}");

        report.Check($"{Service} exits on SIGTERM once its calls are answered", stopError is null && answered.All(call => call.Finished <= exited),
            stopError ?? $"exited {Invariants.Duration(exited - terminated)} after SIGTERM; the last call was answered "
                + $"{Invariants.Duration(answered.Max(call => call.Finished) - terminated)} after it");
        var failed = answered.Where(call => !call.Succeeded).ToList();
        report.Check($"every call in flight through {Service} is answered 200", failed.Count == 0,
            failed.Count == 0 ? $"{answered.Length} calls" : $"{failed.Count} of {answered.Length} were not: {Invariants.Distribution(failed)}");
        await Invariants.EveryAcceptedCallIsStoredAsync(run, tenants, answered);
        await Invariants.LedgerMatchesUsageAsync(run, tenants);
        await Invariants.NoCallIsStoredTwiceAsync(run, tenants);
        await run.StartAgainAsync(Service);
    }
}
