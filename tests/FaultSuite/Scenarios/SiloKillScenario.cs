namespace TenantChat.FaultSuite.Scenarios;

/// <summary>
/// a. Steady load through both frontends on several tenants; <c>kill -9</c> of the silo hosting the most of them;
/// load goes on. Then: every 200 stored, usage equal to the ledger, the dead silo's tenants served again soon, and
/// the failed calls counted. The silo is restarted as a new process so later scenarios have two again.
/// </summary>
public sealed class SiloKillScenario(FaultRun run)
{
    /// <summary>Issue 4 asks for about 5 s; the bound leaves room for a busy two-core machine.</summary>
    public static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan LoadAfterKill = TimeSpan.FromSeconds(12);
    private static readonly TimeSpan LongestLoadAfterKill = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(250);

    public async Task RunAsync()
    {
        var report = run.Report;
        var tenants = await run.CreateTenantsAsync("kill", 6, tokenLimit: 100_000_000);
        var locator = await SiloLocator.TryConnectAsync(run.Settings);
        var load = new Load(run.Client, tenants, "kill");
        using var stop = new CancellationTokenSource();
        var loading = load.RunAsync(maxCalls: 6000, stop.Token);

        var loadStart = SuiteClock.Now;
        await Wait.UntilAsync(() => SuiteClock.Now - loadStart >= TimeSpan.FromSeconds(4) && load.EveryTenantServedSince(loadStart), TimeSpan.FromSeconds(30));
        if (!report.Check("every tenant is served before the fault", load.EveryTenantServedSince(loadStart), Invariants.Distribution(load.Calls)))
        {
            await stop.CancelAsync();
            await loading;
            if (locator is not null)
            {
                await locator.DisposeAsync();
            }
            return;
        }

        var (victim, victimTenants) = await SiloLocator.ChooseBusiestAsync(locator, run.Settings, tenants);
        var pid = await run.Control.PidAsync(victim);
        var killedAt = SuiteClock.Now;
        await run.Control.KillAsync(victim);
        Report.Info($"kill -9 {victim} (pid {pid}) at {Invariants.Seconds(killedAt)}; it hosted {victimTenants.Count} of the {tenants.Count} tenants");
        // The workers' calls in flight at the kill may hang; probes show when a new caller is served again regardless.
        var probing = load.ProbeAsync(victimTenants, ProbeInterval, (int)(LongestLoadAfterKill / ProbeInterval), stop.Token);

        await Wait.UntilAsync(() => SuiteClock.Now - killedAt >= LoadAfterKill && load.EveryTenantServedSince(killedAt), LongestLoadAfterKill);
        await stop.CancelAsync();
        await Task.WhenAll(loading, probing);

        var calls = load.Calls.ToList();
        CheckRecovery(load, victimTenants, killedAt);
        var failed = calls.Where(call => !call.Succeeded).ToList();
        var inFlight = calls.Where(call => call.Started < killedAt && call.Finished > killedAt).ToList();
        var after = calls.Where(call => call.Started >= killedAt).ToList();
        Report.Info($"calls: {calls.Count}, answered 200: {calls.Count - failed.Count}, failed: {failed.Count} (aim: 0)");
        Report.Info($"failed calls by status: {Invariants.Distribution(failed)}");
        Report.Info($"in flight at the kill: {Invariants.Distribution(inFlight)}; {Invariants.Latencies(inFlight)}");
        Report.Info($"sent after the kill:   {Invariants.Distribution(after)}; {Invariants.Latencies(after)}");
        if (after.Where(call => !call.Succeeded).MaxBy(call => call.Started) is { } lastFailure)
        {
            Report.Info($"the last failed call was sent {Invariants.Duration(lastFailure.Started - killedAt)} after the kill "
                + $"and answered {Invariants.Duration(lastFailure.Finished - killedAt)} after it ({lastFailure.Outcome})");
        }
        Invariants.FailuresAreCleanProblems(run, calls, "every failed call is a clean problem+json error");
        await Invariants.EveryAcceptedCallIsStoredAsync(run, tenants, calls);
        await Invariants.LedgerMatchesUsageAsync(run, tenants);
        await Invariants.NoCallIsStoredTwiceAsync(run, tenants);

        await run.StartAgainAsync(victim);
    }

    private void CheckRecovery(Load load, IReadOnlyList<FaultTenant> victimTenants, TimeSpan killedAt)
    {
        var recoveries = victimTenants.Select(tenant => (tenant, first: load.FirstSuccessSince(tenant, killedAt))).ToList();
        var details = recoveries.Select(entry => entry.first is { } first
            ? $"tenant {entry.tenant.Index} after {Invariants.Duration(first.Finished - killedAt)}"
            : $"tenant {entry.tenant.Index} never");
        var slowest = recoveries.Max(entry => entry.first is { } first ? first.Finished - killedAt : TimeSpan.MaxValue);
        run.Report.Check($"the dead silo's tenants are served again within {RecoveryBound.TotalSeconds:0} s (aim ~5 s)",
            victimTenants.Count > 0 && slowest <= RecoveryBound,
            $"first 200 of a call sent after the kill: {string.Join(", ", details)}");
    }
}
