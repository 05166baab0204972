using System.Net;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Chat;

[Collection(ClusterCollection.Name)]
public sealed class RateLimitAndRetryTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_tenant_over_its_request_rate_gets_429_with_retry_after_and_others_are_unaffected()
    {
        var flooding = await fixture.CreateTenantAsync("Flooding tenant.", customize: body => body["rate_limit_rpm"] = 10);
        var quiet = await fixture.CreateTenantAsync("Quiet tenant.", customize: body => body["rate_limit_rpm"] = 10);

        var flood = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => flooding.Client.ChatAsync($"flood {i}")));
        var calm = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => quiet.Client.ChatAsync($"calm {i}")));

        Assert.Equal(10, flood.Count(r => r.StatusCode == HttpStatusCode.OK));
        var limited = flood.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.Equal(90, limited.Count);
        foreach (var response in limited)
        {
            Assert.Equal("rate_limited", (await response.JsonAsync())["code"]!.GetValue<string>());
            Assert.True(response.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 and <= 60 });
        }
        Assert.All(calm, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(10, fixture.Upstream.CallsFor(flooding.SystemPrompt).Count);
    }

    [Fact]
    public async Task A_retry_reaching_the_attempt_still_running_waits_for_it_instead_of_asking_again()
    {
        // 400 ms: well inside the fixture's 1 s per-attempt upstream timeout even on a busy machine (at 600 ms a slow
        // attempt timed out once in CI and was retried against the upstream, a second call this test did not mean).
        var tenant = await fixture.CreateTenantAsync("[fake:delay=400] Slow retry tenant.");
        var grain = fixture.Cluster.Client.GetGrain<ITenantGrain>(tenant.Id);
        var request = new ChatRequest("Take your time", null, null, null, Guid.CreateVersion7());

        var first = grain.ChatAsync(tenant.Domain, request);
        // The retry goes once the first attempt is waiting on the upstream, as when its caller timed out.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (fixture.Upstream.CallsFor(tenant.SystemPrompt).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        var retried = await grain.ChatAsync(tenant.Domain, request with { IsRetry = true });

        Assert.True(retried.Succeeded);
        Assert.Equal((await first).Value, retried.Value);
        Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        Assert.Equal((1, (long)retried.Value.Usage.TotalTokens), await fixture.LedgerAsync(tenant.Id));
    }

    [Fact]
    public async Task A_retried_request_that_was_already_stored_is_answered_from_storage_and_charged_once()
    {
        var tenant = await fixture.CreateTenantAsync("Retry tenant.");
        var grain = fixture.Cluster.Client.GetGrain<ITenantGrain>(tenant.Id);
        var request = new ChatRequest("Say it once", null, null, null, Guid.CreateVersion7());

        var first = await grain.ChatAsync(tenant.Domain, request);
        var retried = await grain.ChatAsync(tenant.Domain, request with { IsRetry = true });

        Assert.True(first.Succeeded);
        Assert.True(retried.Succeeded);
        Assert.Equal(first.Value!.Id, retried.Value!.Id);
        Assert.Equal(first.Value.Response, retried.Value.Response);
        Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        var ledger = await fixture.LedgerAsync(tenant.Id);
        Assert.Equal(1, ledger.Messages);
        Assert.Equal(first.Value.Usage.TotalTokens, (await fixture.GetTenantAsync(tenant.Id))["tokens_used"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_retry_whose_first_attempt_never_stored_runs_normally()
    {
        var tenant = await fixture.CreateTenantAsync("Retry without a trace tenant.");
        var grain = fixture.Cluster.Client.GetGrain<ITenantGrain>(tenant.Id);

        var outcome = await grain.ChatAsync(tenant.Domain, new ChatRequest("First attempt died", null, null, null, Guid.CreateVersion7(), IsRetry: true));

        Assert.True(outcome.Succeeded);
        Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        Assert.Equal(1, (await fixture.LedgerAsync(tenant.Id)).Messages);
    }
}
