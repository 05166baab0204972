using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using TenantChat.Grains.Tenants;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Chat;

[Collection(ClusterCollection.Name)]
public sealed class BudgetTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Concurrent_calls_racing_one_budget_spend_it_nearly_all_and_never_past_the_limit()
    {
        // Each call costs about 55 tokens and reserves up to ~85 while in flight: a budget of 2,400 fits ~40. The other
        // calls wait for those in flight to settle, and are refused only once what is left cannot hold one more.
        const long limit = 2_400;
        var tenant = await fixture.CreateTenantAsync("[fake:delay=20] Budget race tenant.", tokenLimit: limit,
            customize: body => body["max_output_tokens"] = 64);

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => tenant.Client.ChatAsync($"Question number {i}?")));

        var ok = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(200, ok.Count + refused.Count);
        foreach (var response in refused)
        {
            var problem = await response.JsonAsync();
            Assert.Equal("token_limit_exceeded", problem["code"]!.GetValue<string>());
        }
        long charged = 0;
        var largestPrompt = 0;
        foreach (var response in ok)
        {
            var usage = (await response.JsonAsync())["usage"]!;
            charged += usage["total_tokens"]!.GetValue<long>();
            largestPrompt = Math.Max(largestPrompt, usage["prompt_tokens"]!.GetValue<int>());
        }
        var stored = await fixture.GetTenantAsync(tenant.Id);
        var ledger = await fixture.LedgerAsync(tenant.Id);
        Assert.True(charged <= limit, $"charged {charged} tokens against a limit of {limit}");
        Assert.True(charged >= limit * 9 / 10, $"charged only {charged} of {limit} tokens ({ok.Count} calls answered, {refused.Count} refused)");
        // The refusals came only once the budget was spent: what is left cannot hold any call's prompt and the
        // smallest answer a call may be given.
        Assert.NotEmpty(refused);
        Assert.True(limit - charged < largestPrompt + TenantBudget.MinimumCompletionTokens, $"{limit - charged} tokens were left unspent");
        Assert.Equal(charged, stored["tokens_used"]!.GetValue<long>());
        Assert.Equal(charged, ledger.Tokens);
        Assert.Equal(ok.Count, ledger.Messages);
        Assert.Equal(ok.Count, stored["calls"]!.GetValue<long>());
        // Refused calls never reached the upstream.
        Assert.Equal(ok.Count, fixture.Upstream.CallsFor(tenant.SystemPrompt).Count);
    }

    [Fact]
    public async Task A_call_that_cannot_fit_is_refused_before_the_upstream()
    {
        var tenant = await fixture.CreateTenantAsync("Tiny budget tenant.", tokenLimit: 10);

        using var response = await tenant.Client.ChatAsync("Please explain quantum field theory in depth.");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.False(response.Headers.Contains("Retry-After"));
        var problem = await response.JsonAsync();
        Assert.Equal("token_limit_exceeded", problem["code"]!.GetValue<string>());
        Assert.Empty(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        Assert.Equal(0, (await fixture.LedgerAsync(tenant.Id)).Messages);
    }

    [Fact]
    public async Task Usage_climbs_with_each_call_and_a_reset_starts_the_period_again()
    {
        var tenant = await fixture.CreateTenantAsync("Usage tenant.");
        using var first = await tenant.Client.ChatAsync("One");
        using var second = await tenant.Client.ChatAsync("Two");
        var expected = (await first.JsonAsync())["usage"]!["total_tokens"]!.GetValue<long>()
            + (await second.JsonAsync())["usage"]!["total_tokens"]!.GetValue<long>();

        var before = await fixture.GetTenantAsync(tenant.Id);
        Assert.Equal(expected, before["tokens_used"]!.GetValue<long>());
        Assert.Equal(2, before["calls"]!.GetValue<long>());

        using var admin = fixture.OperatorClient();
        using var reset = await admin.PostAsync($"api/admin/tenants/{tenant.Id}/usage/reset", null);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        var after = await reset.JsonAsync();
        Assert.Equal(0, after["tokens_used"]!.GetValue<long>());
        Assert.True(after["period_start"]!.GetValue<DateTimeOffset>() > before["period_start"]!.GetValue<DateTimeOffset>());
        // Stored messages are kept; only the period's count starts again.
        Assert.Equal(2, (await fixture.LedgerAsync(tenant.Id)).Messages);

        using var third = await tenant.Client.ChatAsync("Three");
        var charged = (await third.JsonAsync())["usage"]!["total_tokens"]!.GetValue<long>();
        Assert.Equal(charged, (await fixture.GetTenantAsync(tenant.Id))["tokens_used"]!.GetValue<long>());
    }

    [Fact]
    public async Task Fifty_concurrent_calls_with_a_200ms_upstream_are_not_serialized()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:delay=200] Slow upstream tenant.");
        using var warmUp = await tenant.Client.ChatAsync("warm up");

        var clock = Stopwatch.StartNew();
        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => tenant.Client.ChatAsync($"Parallel {i}")));
        clock.Stop();

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        // Serialized, 50 x 200 ms would take 10 s; a generous bound still proves the upstream I/O overlaps.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"50 calls took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_long_answer_from_an_upstream_without_max_tokens_is_cut_to_the_reservation()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:long] Verbose upstream tenant.",
            customize: body => body["max_output_tokens"] = 50);

        using var response = await tenant.Client.ChatAsync("Tell me everything.");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = (await response.JsonAsync())["usage"]!;
        Assert.InRange(usage["completion_tokens"]!.GetValue<int>(), 1, 50);
        Assert.Equal(usage["total_tokens"]!.GetValue<long>(), (await fixture.LedgerAsync(tenant.Id)).Tokens);
    }
}
