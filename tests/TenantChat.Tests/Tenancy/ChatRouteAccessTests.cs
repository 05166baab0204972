using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Tenancy;

/// <summary>
/// The chat routes leave the tenant access check to the tenant's grain (one grain call per chat call, not two);
/// a caller must see exactly what every other tenant route answers: 403 for a suspended tenant, 404 for a host
/// that no longer belongs to any, in OpenAI's error shape on <c>/v1</c>.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ChatRouteAccessTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Every_chat_route_refuses_a_suspended_tenant_with_403_before_the_upstream()
    {
        var tenant = await fixture.CreateTenantAsync("Suspended chat routes tenant.");
        using var warm = await tenant.Client.ChatAsync("Warm the host cache");
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        await PatchAsync(tenant.Id, new JsonObject { ["status"] = "suspended" });

        foreach (var (path, body) in Routes())
        {
            using var response = await tenant.Client.PostAsJsonAsync(path, body);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("tenant_suspended", await CodeAsync(path, response));
        }
        Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        Assert.Equal(1, (await fixture.LedgerAsync(tenant.Id)).Messages);
    }

    [Fact]
    public async Task Every_chat_route_answers_404_on_a_host_the_tenant_moved_away_from_and_serves_the_new_one()
    {
        var tenant = await fixture.CreateTenantAsync("Moved chat routes tenant.");
        using var warm = await tenant.Client.ChatAsync("Warm the host cache");
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        var newDomain = TestTenants.UniqueDomain("moved-routes");
        await PatchAsync(tenant.Id, new JsonObject { ["domain"] = newDomain });
        using var newHost = fixture.ClientFor(newDomain);

        foreach (var (path, body) in Routes())
        {
            using var oldResponse = await tenant.Client.PostAsJsonAsync(path, body);
            Assert.Equal(HttpStatusCode.NotFound, oldResponse.StatusCode);
            Assert.Equal("unknown_tenant", await CodeAsync(path, oldResponse));
            using var newResponse = await newHost.PostAsJsonAsync(path, body);
            Assert.Equal(HttpStatusCode.OK, newResponse.StatusCode);
        }
        Assert.Equal(1 + Routes().Count, (await fixture.LedgerAsync(tenant.Id)).Messages);
    }

    [Fact]
    public async Task A_host_taken_over_by_another_tenant_is_served_as_that_tenant_on_every_chat_route()
    {
        var first = await fixture.CreateTenantAsync("First owner of a domain.");
        using var warm = await first.Client.ChatAsync("Warm the host cache");
        Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        await PatchAsync(first.Id, new JsonObject { ["domain"] = TestTenants.UniqueDomain("released") });
        var second = await fixture.CreateTenantAsync("Second owner of a domain.", customize: body => body["domain"] = first.Domain);

        foreach (var (path, body) in Routes())
        {
            using var response = await first.Client.PostAsJsonAsync(path, body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(Routes().Count, fixture.Upstream.CallsFor(second.SystemPrompt).Count);
        Assert.Equal(1, (await fixture.LedgerAsync(first.Id)).Messages);
        Assert.Equal(Routes().Count, (await fixture.LedgerAsync(second.Id)).Messages);
    }

    [Fact]
    public async Task On_the_chat_routes_a_bad_body_is_answered_400_before_the_tenants_status_is_looked_at()
    {
        // The documented cost of leaving the check to the grain: a request bad in two ways gets the body's 400
        // (every other tenant route answers the suspension first).
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Bad body on a suspended tenant.");
        await PatchAsync(tenant.Id, new JsonObject { ["status"] = "suspended" });

        using var call = await tenant.Client.PostAsJsonAsync("api/chat/call", new JsonObject { ["prompt"] = " " });
        using var completions = await tenant.Client.PostAsJsonAsync("v1/chat/completions", new JsonObject { ["model"] = "openai", ["messages"] = new JsonArray() });
        using var usage = await admin.GetAsync("api/usage");

        Assert.Equal(HttpStatusCode.BadRequest, call.StatusCode);
        Assert.Equal("validation_failed", await CodeAsync("api/chat/call", call));
        Assert.Equal(HttpStatusCode.BadRequest, completions.StatusCode);
        Assert.Equal("validation_failed", await CodeAsync("v1/chat/completions", completions));
        Assert.Equal(HttpStatusCode.Forbidden, usage.StatusCode);
    }

    private static List<(string Path, JsonObject Body)> Routes() =>
    [
        ("api/chat/call", new JsonObject { ["prompt"] = "Hello" }),
        ("api/chat/stream", new JsonObject { ["prompt"] = "Hello" }),
        ("v1/chat/completions", new JsonObject { ["model"] = "openai", ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hello" }) }),
        ("v1/chat/completions", new JsonObject
        {
            ["model"] = "openai", ["stream"] = true, ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hello" }),
        }),
    ];

    /// <summary>The error code: a problem's <c>code</c>, or on <c>/v1</c> OpenAI's <c>error.code</c>.</summary>
    private static async Task<string> CodeAsync(string path, HttpResponseMessage response)
    {
        var body = await response.JsonAsync();
        if (path.StartsWith("v1/", StringComparison.Ordinal))
        {
            Assert.Null(body["code"]);
            return body["error"]!["code"]!.GetValue<string>();
        }
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return body["code"]!.GetValue<string>();
    }

    private async Task PatchAsync(Guid tenantId, JsonObject patch)
    {
        using var admin = fixture.OperatorClient();
        using var response = await admin.PatchAsJsonAsync($"api/admin/tenants/{tenantId}", patch);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
