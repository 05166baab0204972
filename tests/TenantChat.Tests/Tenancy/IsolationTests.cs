using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Tenancy;

/// <summary>
/// Tenant B owns data of every kind; a signed-in user of tenant A, on A's domain, tries every way in:
/// by id, by cursor, by conversation id, and by presenting B's token on A's domain.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class IsolationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_user_of_one_tenant_can_reach_nothing_of_another()
    {
        var (tenantA, adminA) = await fixture.CreateTenantWithAdminAsync("Tenant A system parameter.");
        var (tenantB, adminB) = await fixture.CreateTenantWithAdminAsync("Tenant B secret system parameter.");

        // B's data: a customer record, a conversation, usage.
        using var record = await adminB.PostAsJsonAsync("api/customer-data", new { title = "B's customer", content = "B's private notes" });
        var recordId = (await record.JsonAsync())["id"]!.GetValue<string>();
        for (var i = 0; i < 3; i++)
        {
            using var _ = await adminB.PostAsJsonAsync("api/customer-data", new { title = $"B {i}", content = "more" });
        }
        using var chat = await tenantB.Client.ChatAsync("B's private question");
        var conversationId = (await chat.JsonAsync())["conversation_id"]!.GetValue<string>();
        var bCursor = (await adminB.GetFromJsonAsync<JsonObject>("api/customer-data?limit=1"))!["next_cursor"]!.GetValue<string>();
        var bMessages = (await adminB.GetFromJsonAsync<JsonObject>("api/chat/messages?limit=1"))!;
        var bView = await fixture.GetTenantAsync(tenantB.Id);

        // By id.
        Assert.Equal(HttpStatusCode.NotFound, (await adminA.GetAsync($"api/customer-data/{recordId}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await adminA.PutAsJsonAsync($"api/customer-data/{recordId}", new { title = "taken", content = "over" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await adminA.DeleteAsync($"api/customer-data/{recordId}")).StatusCode);

        // By cursor: B's cursor on A's listing yields only A's (empty) data.
        var listed = (await adminA.GetFromJsonAsync<JsonObject>($"api/customer-data?cursor={bCursor}"))!;
        Assert.Empty(listed["items"]!.AsArray());
        Assert.Empty((await adminA.GetFromJsonAsync<JsonObject>("api/customer-data"))!["items"]!.AsArray());

        // By conversation id: history and continuation.
        var history = (await adminA.GetFromJsonAsync<JsonObject>($"api/chat/messages?conversation_id={conversationId}"))!;
        Assert.Empty(history["items"]!.AsArray());
        Assert.Empty((await adminA.GetFromJsonAsync<JsonObject>("api/chat/messages"))!["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.NotFound, (await tenantA.Client.ChatAsync("continue B's chat", new { conversation_id = conversationId })).StatusCode);

        // Usage and settings are A's own.
        var usage = (await adminA.GetFromJsonAsync<JsonObject>("api/usage"))!;
        Assert.Equal(0, usage["tokens_used"]!.GetValue<long>());
        var settings = (await adminA.GetFromJsonAsync<JsonObject>("api/tenant"))!;
        Assert.Equal(tenantA.Id.ToString(), settings["id"]!.GetValue<string>());
        Assert.DoesNotContain("Tenant B", settings.ToJsonString(), StringComparison.Ordinal);

        // B's token on A's domain is 401 everywhere.
        using var bTokenOnA = fixture.ClientFor(tenantA.Domain);
        bTokenOnA.DefaultRequestHeaders.Authorization = adminB.DefaultRequestHeaders.Authorization;
        foreach (var path in new[] { "api/accounts/me", "api/usage", "api/customer-data", $"api/customer-data/{recordId}", "api/chat/messages", "api/tenant" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await bTokenOnA.GetAsync(path)).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await bTokenOnA.PutAsJsonAsync("api/tenant/settings", new { system_prompt = "pwned" })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await bTokenOnA.DeleteAsync($"api/customer-data/{recordId}")).StatusCode);

        // And B's data is intact.
        Assert.Equal(HttpStatusCode.OK, (await adminB.GetAsync($"api/customer-data/{recordId}")).StatusCode);
        Assert.Single(bMessages["items"]!.AsArray());
        Assert.Equal(bView["tokens_used"]!.GetValue<long>(), (await fixture.GetTenantAsync(tenantB.Id))["tokens_used"]!.GetValue<long>());
        Assert.Contains("Tenant B secret", (await adminB.GetFromJsonAsync<JsonObject>("api/tenant"))!["system_prompt"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
