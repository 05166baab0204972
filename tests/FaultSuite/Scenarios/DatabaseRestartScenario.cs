namespace TenantChat.FaultSuite.Scenarios;

/// <summary>
/// f. PostgreSQL stopped (<c>pg_ctl -m fast</c>) under load, kept down, started again on the same port. While it is
/// down calls must fail fast and cleanly (503 unavailable with Retry-After, or another contract problem), never
/// with a 200 whose message is lost; after it is back, calls succeed again without any process being restarted.
/// </summary>
public sealed class DatabaseRestartScenario(FaultRun run)
{
    /// <summary>
    /// How long a call may take to be refused while the database is down and still count as failing fast: well under
    /// the driver's 15 s connect timeout, with room for the multi-second GC stalls of a busy two-core machine.
    /// </summary>
    public static readonly TimeSpan FailFastBound = TimeSpan.FromSeconds(5);

    /// <summary>How soon after the database is back every tenant must be served again.</summary>
    public static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(5);

    public async Task RunAsync()
    {
        var report = run.Report;
        var tenants = await run.CreateTenantsAsync("db", 4, tokenLimit: 100_000_000);
        var before = await run.Control.ProcessesAsync();

        var load = new Load(run.Client, tenants, "db");
        using var stop = new CancellationTokenSource();
        var loading = load.RunAsync(maxCalls: 5000, stop.Token);
        var loadStart = SuiteClock.Now;
        await Wait.UntilAsync(() => SuiteClock.Now - loadStart >= TimeSpan.FromSeconds(3) && load.EveryTenantServedSince(loadStart), TimeSpan.FromSeconds(30));
        if (!report.Check("every tenant is served before the fault", load.EveryTenantServedSince(loadStart), Invariants.Distribution(load.Calls)))
        {
            await stop.CancelAsync();
            await loading;
            return;
        }

        var stopping = SuiteClock.Now;
        await run.Control.StopDatabaseAsync();
        var down = SuiteClock.Now;
        Report.Info($"PostgreSQL stopped (pg_ctl -m fast) at {Invariants.Seconds(down)}, after {Invariants.Duration(down - stopping)}");
        var probe = await run.Client.ProbeOperatorApiAsync($"probe-down-{Guid.NewGuid():N}.fault.test");
        report.Check("the operator API answers 503 unavailable with Retry-After while the database is down",
            probe is (503, "unavailable", true), $"creating a tenant answered {probe.Status} {probe.Code}{(probe.RetryAfter ? " with Retry-After" : "")}");
        await Task.Delay(Outage);
        var starting = SuiteClock.Now;
        await run.Control.StartDatabaseAsync();
        var up = SuiteClock.Now;
        Report.Info($"PostgreSQL started again at {Invariants.Seconds(up)}, down for {Invariants.Duration(up - down)}");
        await CheckOperatorRecoveryAsync(up);

        await Wait.UntilAsync(() => load.EveryTenantServedSince(up), RecoveryBound);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stop.CancelAsync();
        await loading;

        var calls = load.Calls.ToList();
        // Calls sent after the stop completed and before the start began met a database that was certainly down.
        var duringOutage = calls.Where(call => call.Started >= down && call.Started < starting).ToList();
        Report.Info($"calls sent while the database was down: {Invariants.Distribution(duringOutage)}");
        Report.Info($"their latency: {Invariants.Latencies(duringOutage)}");
        Report.Info($"failed calls of the whole scenario: {Invariants.Distribution(calls.Where(call => !call.Succeeded))}");

        var slow = duringOutage.Where(call => call.Latency > FailFastBound).ToList();
        report.Check($"calls fail fast while the database is down (each answered within {FailFastBound.TotalSeconds:0} s)",
            duringOutage.Count > 0 && slow.Count == 0,
            duringOutage.Count == 0 ? "no call was sent during the outage"
            : slow.Count == 0 ? $"slowest {Invariants.Duration(duringOutage.Max(call => call.Latency))}"
            : $"{slow.Count} of {duringOutage.Count} took longer: {Invariants.Distribution(slow)}; {Invariants.Latencies(slow)}");
        var unavailable = duringOutage.Count(call => call is { Status: 503, Code: "unavailable", RetryAfter: not null });
        Report.Info($"503 unavailable with Retry-After while down: {unavailable} of {duringOutage.Count(call => !call.Succeeded)} failures");
        Invariants.FailuresAreCleanProblems(run, calls, "every failed call is a clean problem+json error (503 unavailable with Retry-After, or another contract code)");

        CheckRecovery(load, up);
        var after = await run.Control.ProcessesAsync();
        var changed = after.Where(process => !process.Running || !before.Contains(process)).ToList();
        report.Check("no process died or was restarted", changed.Count == 0, changed.Count == 0
            ? string.Join(", ", after.Select(process => $"{process.Name} pid {process.Pid}"))
            : string.Join(", ", changed.Select(process => $"{process.Name} pid {process.Pid} {(process.Running ? "is new" : "is not running")}")));

        await Invariants.EveryAcceptedCallIsStoredAsync(run, tenants, calls);
        await Invariants.NoCallIsStoredTwiceAsync(run, run.AllTenants);
        // Last, over every tenant of the run: the restart must not have lost or invented any usage.
        await Invariants.LedgerMatchesUsageAsync(run, run.AllTenants);
    }

    /// <summary>
    /// Right after the restart the operator API must work again: a connection pooled before the restart may fail one
    /// request, cleanly (503), and the next must succeed; never a 500.
    /// </summary>
    private async Task CheckOperatorRecoveryAsync(TimeSpan up)
    {
        var answers = new List<(int Status, string? Code, bool RetryAfter)>();
        while (answers.Count < 10 && answers.LastOrDefault().Status != 201 && SuiteClock.Now - up < RecoveryBound)
        {
            answers.Add(await run.Client.ProbeOperatorApiAsync($"probe-up-{Guid.NewGuid():N}.fault.test"));
        }
        var clean = answers.All(answer => answer is (201, _, _) or (503, "unavailable", true));
        run.Report.Check("after the restart the operator API creates tenants again, failing only cleanly (503) before",
            clean && answers.Count > 0 && answers[^1].Status == 201,
            string.Join(", ", answers.Select(answer => $"{answer.Status}{(answer.Code is null ? "" : " " + answer.Code)}")));
    }

    private void CheckRecovery(Load load, TimeSpan up)
    {
        var firsts = load.Tenants.Select(tenant => (tenant, first: load.FirstSuccessSince(tenant, up))).ToList();
        var slowest = firsts.Max(entry => entry.first is { } first ? first.Finished - up : TimeSpan.MaxValue);
        run.Report.Check($"every tenant is served again within {RecoveryBound.TotalSeconds:0} s of the database's return, no restart",
            slowest <= RecoveryBound,
            string.Join(", ", firsts.Select(entry => entry.first is { } first
                ? $"tenant {entry.tenant.Index} after {Invariants.Duration(first.Finished - up)}"
                : $"tenant {entry.tenant.Index} never")));
    }
}
