using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Tenancy;

[Collection(ClusterCollection.Name)]
public sealed class OperationsEndpointsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task The_openapi_document_describes_the_whole_api_and_the_ui_is_served()
    {
        using var client = fixture.ClientFor("docs.test");

        var document = (await client.GetFromJsonAsync<JsonObject>("openapi/v1.json"))!;
        using var ui = await client.GetAsync("docs/index.html");

        var paths = document["paths"]!.AsObject().Select(path => path.Key).ToHashSet();
        Assert.Subset(paths, new HashSet<string>
        {
            "/api/chat/call", "/api/chat/messages", "/api/accounts", "/api/accounts/token", "/api/accounts/me",
            "/api/customer-data", "/api/customer-data/{id}", "/api/usage", "/api/tenant", "/api/tenant/settings",
            "/api/admin/tenants", "/api/admin/tenants/{id}", "/api/admin/tenants/{id}/usage/reset",
        });
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Contains("swagger", await ui.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Metrics_are_served_in_prometheus_text_format()
    {
        var tenant = await fixture.CreateTenantAsync("Metrics tenant.");
        using var _ = await tenant.Client.ChatAsync("count this request");
        using var client = fixture.ClientFor("metrics.test");

        // A request is counted just after its response is sent, so give the counter a moment.
        var text = "";
        for (var attempt = 0; attempt < 20 && !text.Contains("chat/call", StringComparison.Ordinal); attempt++)
        {
            using var response = await client.GetAsync("metrics");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            text = await response.Content.ReadAsStringAsync();
            await Task.Delay(100);
        }

        Assert.Contains("# TYPE http_requests_received_total counter", text, StringComparison.Ordinal);
        Assert.Contains("chat/call", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_suspended_tenant_is_403_on_every_tenant_endpoint()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Suspended everywhere tenant.");
        using var operatorClient = fixture.OperatorClient();
        using var suspend = await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new JsonObject { ["status"] = "suspended" });
        Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);

        foreach (var path in new[] { "api/accounts/me", "api/usage", "api/customer-data", "api/chat/messages", "api/tenant" })
        {
            using var response = await admin.GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("tenant_suspended", (await response.JsonAsync())["code"]!.GetValue<string>());
        }
        using var signUp = await tenant.Client.PostAsJsonAsync("api/accounts", new { email = "late@example.test", password = "long enough password" });
        Assert.Equal(HttpStatusCode.Forbidden, signUp.StatusCode);
    }
}
