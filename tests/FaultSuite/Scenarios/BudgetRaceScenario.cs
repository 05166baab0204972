namespace TenantChat.FaultSuite.Scenarios;

/// <summary>
/// b. 300 calls released at once against one tenant whose budget fits about 40, through both frontends and both
/// silos: never a token over the limit, usage equal to the ledger, every refusal a 429 token_limit_exceeded, and
/// at least 90% of the budget spent (calls that would fit once those in flight settle wait for them, invariant 7).
/// </summary>
public sealed class BudgetRaceScenario(FaultRun run)
{
    private const int Racers = 300;
    private const int CallsThatFit = 40;

    public async Task RunAsync()
    {
        var report = run.Report;
        // A small completion allowance keeps each call's reservation near its real cost, so about 40 calls fit.
        var tenants = await run.CreateTenantsAsync("race", 1, tokenLimit: 1_000_000, maxOutputTokens: 64);
        var tenant = tenants[0];

        // One call measures what a call costs; the limit is then set to that call plus room for 40 more like it.
        var calibration = await run.Client.ChatAsync(tenant, 0, "race call 000 for the budget: where is my order?");
        if (!report.Check("a calibration call is answered", calibration.Succeeded, calibration.Outcome))
        {
            return;
        }
        var tokenLimit = calibration.TotalTokens * (CallsThatFit + 1);
        await run.Client.PatchTenantAsync(tenant.Id, new { token_limit = tokenLimit });
        Report.Info($"one call costs {calibration.TotalTokens} tokens; token_limit set to {tokenLimit}");

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var racers = Enumerable.Range(1, Racers).Select(async i =>
        {
            await start.Task;
            return await run.Client.ChatAsync(tenant, i % run.Client.FrontendCount, $"race call {i:000} for the budget: where is my order?");
        }).ToList();
        var released = SuiteClock.Now;
        start.SetResult();
        var calls = await Task.WhenAll(racers);
        var won = calls.Where(call => call.Succeeded).ToList();
        var refused = calls.Where(call => !call.Succeeded).ToList();
        Report.Info($"{Racers} calls in {Invariants.Duration(SuiteClock.Now - released)}: {Invariants.Distribution(calls)}");

        var charged = calibration.TotalTokens + won.Sum(call => call.TotalTokens);
        report.Check("tokens charged stay within token_limit", charged <= tokenLimit,
            $"the 200s were charged {charged} of {tokenLimit} tokens ({won.Count} racers and the calibration call)");
        var spent = (double)charged / tokenLimit;
        report.Check("no false refusals: at least 90% of token_limit was charged", spent >= 0.9,
            $"{charged} of {tokenLimit} tokens charged ({spent:P1}); {tokenLimit - charged} left, one call costs {calibration.TotalTokens}");
        report.Check("the race was real: some calls won, the rest were refused", won.Count > 0 && refused.Count > 0,
            $"{won.Count} answered 200, {refused.Count} refused");
        var wrongRefusals = refused.Where(call => call is not { Status: 429, Code: "token_limit_exceeded", IsProblem: true }).ToList();
        report.Check("every refusal is 429 token_limit_exceeded", wrongRefusals.Count == 0,
            wrongRefusals.Count == 0 ? $"{refused.Count} refusals" : $"{wrongRefusals.Count} were not: {Invariants.Distribution(wrongRefusals)}");

        var accepted = calls.Append(calibration).ToList();
        await Invariants.EveryAcceptedCallIsStoredAsync(run, tenants, accepted);
        await Invariants.LedgerMatchesUsageAsync(run, tenants);
        var used = (await run.Client.GetTenantAsync(tenant.Id))["tokens_used"]!.GetValue<long>();
        report.Check("tokens_used equals what the 200s were told they cost", used == charged,
            $"tokens_used {used}, sum of the 200s' usage.total_tokens {charged}");
    }
}
