using TenantChat.FaultSuite;
using TenantChat.FaultSuite.Scenarios;

// Run by scripts/fault-suite.sh, which starts the processes and passes what the suite needs in FAULT_* variables.
// Scenarios run in order, each within its time bound; the last line of output is "fault suite: N passed, M failed".
var settings = SuiteSettings.FromEnvironment();
var report = new Report();
using var client = new TenantChatClient(settings);
var run = new FaultRun(settings, client, new Ledger(settings.Postgres), new ClusterControl(settings.ControlScript), report);

report.BeginScenario("setup");
var notServing = await client.WaitUntilServingAsync(TimeSpan.FromSeconds(90));
if (!report.Check("both frontends answer the operator API", notServing is null, notServing ?? "both answered"))
{
    report.PrintSummary(SuiteClock.Now);
    return 1;
}

(string Title, TimeSpan Bound, Func<Task> Run)[] scenarios =
[
    ("a. kill -9 of a silo under steady load", TimeSpan.FromSeconds(180), () => new SiloKillScenario(run).RunAsync()),
    ("b. 300 concurrent calls racing one tenant's budget", TimeSpan.FromSeconds(60), () => new BudgetRaceScenario(run).RunAsync()),
    ("c. tenant A floods at 10x its rate limit; tenant B's latency", TimeSpan.FromSeconds(90), () => new NoisyNeighbourScenario(run).RunAsync()),
    ("d. SIGTERM of a frontend with calls in flight", TimeSpan.FromSeconds(150), () => new FrontendStopScenario(run).RunAsync()),
    ("e. SIGTERM of a silo with calls in flight", TimeSpan.FromSeconds(180), () => new SiloStopScenario(run).RunAsync()),
    ("g. a silo killed between a usage threshold's crossing and its webhook's delivery", TimeSpan.FromSeconds(180),
        () => new WebhookSiloKillScenario(run).RunAsync()),
    // Last: connections pooled before the restart fail once each afterwards, and its ledger check spans every tenant.
    ("f. PostgreSQL restart under load", TimeSpan.FromSeconds(120), () => new DatabaseRestartScenario(run).RunAsync()),
];
// FAULT_SUITE_ONLY=g (or "a,g"): only the scenarios with those letters, to work on one without the others' minutes.
var only = Environment.GetEnvironmentVariable("FAULT_SUITE_ONLY")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
foreach (var (title, bound, scenario) in scenarios.Where(s => only is not { Length: > 0 } || only.Any(letter => s.Title.StartsWith(letter + ".", StringComparison.Ordinal))))
{
    report.BeginScenario(title);
    var started = SuiteClock.Now;
    try
    {
        var running = scenario();
        if (await Task.WhenAny(running, Task.Delay(bound)) != running)
        {
            // Its load may still be running; later scenarios would measure it, not themselves.
            report.Check("the scenario finishes in time", false, $"still running after {bound.TotalSeconds:0} s; the remaining scenarios are skipped");
            break;
        }
        await running;
        Report.Info($"({Invariants.Duration(SuiteClock.Now - started)})");
    }
    catch (Exception e)
    {
        report.Check("the scenario runs to its end", false, $"{e.GetType().Name}: {e.Message}");
    }
}

report.PrintSummary(SuiteClock.Now);
return report.Failed == 0 ? 0 : 1;
