using System.Globalization;

namespace TenantChat.FaultSuite;

/// <summary>The checks every scenario ends with: the contract's durability and exact-budget invariants (section 9).</summary>
public static class Invariants
{
    /// <summary>Every 200 has its message in chat_messages, under its tenant, with the tokens the caller was told.</summary>
    public static async Task EveryAcceptedCallIsStoredAsync(FaultRun run, IReadOnlyList<FaultTenant> tenants, IEnumerable<ChatCall> calls)
    {
        var accepted = calls.Where(call => call.Succeeded).ToList();
        var stored = await run.Ledger.StoredAsync([.. accepted.Select(call => call.MessageId!.Value)]);
        var wrong = accepted.Where(call => !stored.TryGetValue(call.MessageId!.Value, out var row)
            || row.TenantId != tenants.Single(tenant => tenant.Index == call.Tenant).Id
            || row.TotalTokens != call.TotalTokens).ToList();
        var examples = string.Join("; ", wrong.Take(5).Select(call =>
            $"{call.MessageId} (tenant {call.Tenant}, frontend {call.Frontend}, sent at {Seconds(call.Started)}, "
            + (stored.ContainsKey(call.MessageId!.Value) ? "stored with another tenant or token count)" : "missing)")));
        run.Report.Check("every 200 has its message stored", accepted.Count > 0 && wrong.Count == 0,
            accepted.Count == 0 ? "no call was answered 200, so there was nothing to find"
            : wrong.Count == 0 ? $"all {accepted.Count} answered messages are in chat_messages, tenant and tokens as answered"
            : $"{wrong.Count} of {accepted.Count} answered messages are not stored as answered, e.g. {examples}");
    }

    /// <summary>For each tenant, <c>tokens_used</c> from the operator API equals the sum of its stored messages' total_tokens.</summary>
    public static async Task LedgerMatchesUsageAsync(FaultRun run, IReadOnlyList<FaultTenant> tenants)
    {
        var mismatches = new List<string>();
        long tokens = 0;
        foreach (var tenant in tenants)
        {
            var view = await run.Client.GetTenantAsync(tenant.Id);
            var used = view["tokens_used"]!.GetValue<long>();
            var calls = view["calls"]!.GetValue<long>();
            var periodStart = DateTimeOffset.Parse(view["period_start"]!.GetValue<string>(), CultureInfo.InvariantCulture);
            var ledger = await run.Ledger.SumAsync(tenant.Id, periodStart);
            tokens += ledger.Tokens;
            if (used != ledger.Tokens)
            {
                mismatches.Add($"{tenant.Domain}: tokens_used {used}, ledger {ledger.Tokens} ({ledger.Messages} messages)");
            }
            else if (calls != ledger.Messages)
            {
                Report.Info($"note: {tenant.Domain} reports calls {calls} but {ledger.Messages} messages are stored");
            }
        }
        run.Report.Check("tokens_used equals the ledger for every tenant", mismatches.Count == 0,
            mismatches.Count == 0 ? $"{tenants.Count} tenants, {tokens} tokens in all" : string.Join("; ", mismatches));
    }

    /// <summary>No call was stored twice (the suite never repeats a prompt, so a repeated prompt is a duplicated call).</summary>
    public static async Task NoCallIsStoredTwiceAsync(FaultRun run, IReadOnlyList<FaultTenant> tenants)
    {
        var duplicated = await run.Ledger.DuplicatesAsync([.. tenants.Select(tenant => tenant.Id)]);
        run.Report.Check("no call is stored twice", duplicated == 0,
            duplicated == 0 ? "every stored prompt is unique" : $"{duplicated} prompts are stored more than once");
    }

    /// <summary>Every failed call is an error as the contract describes them (problem+json, a contract code, Retry-After where due).</summary>
    public static void FailuresAreCleanProblems(FaultRun run, IEnumerable<ChatCall> calls, string name)
    {
        var failed = calls.Where(call => !call.Succeeded).ToList();
        var unclean = failed.Where(call => !call.IsCleanProblem).ToList();
        run.Report.Check(name, unclean.Count == 0, unclean.Count == 0
            ? $"{failed.Count} failed calls, all clean problems"
            : $"{unclean.Count} of {failed.Count} failed calls were not: {Distribution(unclean)}");
    }

    /// <summary>"503 unavailable: 12, no answer (ConnectionError): 1", most frequent first.</summary>
    public static string Distribution(IEnumerable<ChatCall> calls)
    {
        var groups = calls.GroupBy(call => call.Outcome).OrderByDescending(group => group.Count()).ToList();
        return groups.Count == 0 ? "none" : string.Join(", ", groups.Select(group => $"{group.Key}: {group.Count()}"));
    }

    /// <summary>"p50 12 ms, p95 40 ms, max 1.2 s" of the calls' latencies.</summary>
    public static string Latencies(IEnumerable<ChatCall> calls)
    {
        var sorted = calls.Select(call => call.Latency).Order().ToList();
        if (sorted.Count == 0)
        {
            return "no calls";
        }
        return $"p50 {Duration(Quantile(sorted, 0.5))}, p95 {Duration(Quantile(sorted, 0.95))}, max {Duration(sorted[^1])} over {sorted.Count} calls";
    }

    /// <summary>The nearest-rank quantile of <paramref name="sorted"/> (ascending, not empty).</summary>
    public static TimeSpan Quantile(IReadOnlyList<TimeSpan> sorted, double quantile) =>
        sorted[Math.Max(0, (int)Math.Ceiling(quantile * sorted.Count) - 1)];

    public static string Duration(TimeSpan duration) =>
        duration < TimeSpan.FromSeconds(1) ? $"{duration.TotalMilliseconds:0} ms" : $"{duration.TotalSeconds:0.0} s";

    public static string Seconds(TimeSpan offset) => $"t+{offset.TotalSeconds:0.0}s";
}
