namespace TenantChat.FaultSuite.Scenarios;

/// <summary>
/// e. SIGTERM to the silo hosting the most tenants while their calls, with a slow upstream, are in flight through
/// both frontends, and while new calls keep coming for them. The silo must finish its calls or hand them off: every
/// call answered 200 and stored, usage equal to the ledger, nothing charged twice. It is started again afterwards.
/// </summary>
public sealed class SiloStopScenario(FaultRun run)
{
    private const int CallsPerTenant = 5;
    private const int UpstreamDelayMs = 1500;
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ProbeAfterExit = TimeSpan.FromSeconds(2);

    public async Task RunAsync()
    {
        var report = run.Report;
        var tenants = await run.CreateTenantsAsync("silostop", 6, tokenLimit: 100_000_000, upstreamMarker: $"[fake:delay={UpstreamDelayMs}]");
        var locator = await SiloLocator.TryConnectAsync(run.Settings);
        // One call each activates the tenants' grains, spread over both silos by the cluster's placement.
        var warmUp = await Task.WhenAll(tenants.Select(tenant =>
            run.Client.ChatAsync(tenant, tenant.Index % run.Client.FrontendCount, $"silostop warm-up for tenant {tenant.Index}: where is my order?")));
        if (!report.Check("every tenant is served before the stop", warmUp.All(call => call.Succeeded), Invariants.Distribution(warmUp)))
        {
            if (locator is not null)
            {
                await locator.DisposeAsync();
            }
            return;
        }
        var (victim, victimTenants) = await SiloLocator.ChooseBusiestAsync(locator, run.Settings, tenants);

        var sent = SuiteClock.Now;
        var inFlight = victimTenants.SelectMany(tenant => Enumerable.Range(0, CallsPerTenant).Select(i =>
            run.Client.ChatAsync(tenant, i % run.Client.FrontendCount, $"silostop call {i} for tenant {tenant.Index}: where is my order?"))).ToList();
        var arrived = await run.Client.WaitForCallsInProgressAsync([.. Enumerable.Range(0, run.Client.FrontendCount)], inFlight.Count, TimeSpan.FromSeconds(15));
        Report.Info($"{arrived} of {inFlight.Count} calls in progress on the frontends after {Invariants.Duration(SuiteClock.Now - sent)} (upstream takes {UpstreamDelayMs} ms)");

        // New callers of the victim's tenants all through the stop, and a little after.
        var probes = new Load(run.Client, victimTenants, "silostop-probe");
        using var stopProbing = new CancellationTokenSource();
        var pid = await run.Control.PidAsync(victim);
        var terminated = SuiteClock.Now;
        var probing = probes.ProbeAsync(victimTenants, ProbeInterval, maxRounds: 240, stopProbing.Token);
        var stopError = await run.TryTerminateAsync(victim);
        var exited = SuiteClock.Now;
        await Task.Delay(ProbeAfterExit);
        await stopProbing.CancelAsync();
        var answered = await Task.WhenAll(inFlight);
        await probing;

        Report.Info($"SIGTERM to {victim} (pid {pid}) at {Invariants.Seconds(terminated)}; it exited {Invariants.Duration(exited - terminated)} later");
        Report.Info($"calls in flight at the SIGTERM: {Invariants.Distribution(answered)}; {Invariants.Latencies(answered)}");
        Report.Info($"calls sent during the stop and after: {Invariants.Distribution(probes.Calls)}; {Invariants.Latencies(probes.Calls)}");
        report.Check($"{victim} exits on SIGTERM", stopError is null,
            stopError ?? $"exited {Invariants.Duration(exited - terminated)} after SIGTERM");
        var failed = answered.Where(call => !call.Succeeded).ToList();
        report.Check($"every call in flight on {victim} is answered 200 (finished there or handed off)", failed.Count == 0,
            failed.Count == 0 ? $"{answered.Length} calls" : $"{failed.Count} of {answered.Length} were not: {Invariants.Distribution(failed)}");
        var failedProbes = probes.Calls.Where(call => !call.Succeeded).ToList();
        report.Check("every call sent while it stops is answered 200", probes.Calls.Count > 0 && failedProbes.Count == 0,
            failedProbes.Count == 0 ? $"{probes.Calls.Count} calls" : $"{failedProbes.Count} of {probes.Calls.Count} were not: {Invariants.Distribution(failedProbes)}");

        var calls = answered.Concat(probes.Calls).Concat(warmUp).ToList();
        await Invariants.EveryAcceptedCallIsStoredAsync(run, tenants, calls);
        await Invariants.LedgerMatchesUsageAsync(run, tenants);
        await Invariants.NoCallIsStoredTwiceAsync(run, tenants);
        await run.StartAgainAsync(victim);
    }
}
