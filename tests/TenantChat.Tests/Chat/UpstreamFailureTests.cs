using System.Net;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Chat;

[Collection(ClusterCollection.Name)]
public sealed class UpstreamFailureTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Upstream_500s_are_retried_then_reported_as_502_and_charge_nothing()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:500] Failing upstream tenant.");

        using var response = await tenant.Client.ChatAsync("Hello?");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_error", (await response.JsonAsync())["code"]!.GetValue<string>());
        // One attempt plus the two configured retries.
        Assert.Equal(3, fixture.Upstream.CallsFor(tenant.SystemPrompt).Count);
        await AssertNothingChargedAsync(tenant);
    }

    [Fact]
    public async Task A_hanging_upstream_gives_504_and_charges_nothing()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:hang] Hanging upstream tenant.");

        using var response = await tenant.Client.ChatAsync("Hello?");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream_timeout", (await response.JsonAsync())["code"]!.GetValue<string>());
        await AssertNothingChargedAsync(tenant);
    }

    [Fact]
    public async Task A_call_slower_than_the_frontends_wait_is_joined_by_its_retries_not_run_again()
    {
        // Six routes that each time out three times: about 20 s in all, twice the 10 s the frontend waits per attempt.
        var tenant = await fixture.CreateTenantAsync("[fake:hang] Very slow tenant.", customize: body =>
            body["fallbacks"] = new System.Text.Json.Nodes.JsonArray([.. Enumerable.Range(1, 5)
                .Select(i => new System.Text.Json.Nodes.JsonObject { ["provider"] = "default", ["model"] = $"slow-{i}" })]));

        using var response = await tenant.Client.ChatAsync("Are you there?");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        // Had a retry run the call again, the upstream would have seen more than one round of 6 x 3 attempts.
        Assert.Equal(18, fixture.Upstream.CallsFor(tenant.SystemPrompt).Count);
        await AssertNothingChargedAsync(tenant);
    }

    [Fact]
    public async Task A_failed_call_releases_its_reservation()
    {
        // The budget fits one call at a time: if a failure kept its reservation, the next call would be refused.
        var failing = await fixture.CreateTenantAsync("[fake:500] Reservation tenant.", tokenLimit: 120,
            customize: body => body["max_output_tokens"] = 60);
        using var failed = await failing.Client.ChatAsync("First");
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);

        var view = await fixture.GetTenantAsync(failing.Id);
        Assert.Equal(0, view["tokens_used"]!.GetValue<long>());
        using var again = await failing.Client.ChatAsync("Second");
        Assert.Equal(HttpStatusCode.BadGateway, again.StatusCode);
        Assert.Equal(6, fixture.Upstream.CallsFor(failing.SystemPrompt).Count);
    }

    private async Task AssertNothingChargedAsync(TestTenants.Tenant tenant)
    {
        var view = await fixture.GetTenantAsync(tenant.Id);
        Assert.Equal(0, view["tokens_used"]!.GetValue<long>());
        Assert.Equal(0, view["calls"]!.GetValue<long>());
        Assert.Equal(0, (await fixture.LedgerAsync(tenant.Id)).Messages);
    }
}
