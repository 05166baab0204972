using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Chat;

/// <summary>PostgreSQL cannot store U+0000: input holding one is a 400 that changes nothing, never a 503 from storage.</summary>
[Collection(ClusterCollection.Name)]
public sealed class NulCharacterTests(ClusterFixture fixture)
{
    private static async Task AssertValidationFailedAsync(HttpResponseMessage response, string mentions)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("validation_failed", body, StringComparison.Ordinal);
        Assert.Contains(mentions, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_prompt_with_a_nul_is_refused_on_every_chat_route_and_nothing_is_stored_or_asked()
    {
        var tenant = await fixture.CreateTenantAsync("NUL chat tenant.");

        using var call = await tenant.Client.ChatAsync("before\0after");
        using var stream = await tenant.Client.PostAsJsonAsync("api/chat/stream", new { prompt = "before\0after" });
        using var openAi = await tenant.Client.PostAsJsonAsync("v1/chat/completions",
            new { model = "openai", messages = new[] { new { role = "user", content = "before\0after" } } });

        await AssertValidationFailedAsync(call, "prompt");
        await AssertValidationFailedAsync(stream, "prompt");
        Assert.Equal(HttpStatusCode.BadRequest, openAi.StatusCode);
        Assert.Contains("NUL", await openAi.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        Assert.Equal((0, 0), await fixture.LedgerAsync(tenant.Id));
    }

    [Fact]
    public async Task Customer_data_and_accounts_with_a_nul_are_refused()
    {
        var tenant = await fixture.CreateTenantAsync("NUL data tenant.");
        using var user = await fixture.SignedInClientAsync(tenant);

        using var title = await user.PostAsJsonAsync("api/customer-data", new { title = "a\0b", content = "c" });
        using var content = await user.PostAsJsonAsync("api/customer-data", new { title = "t", content = "a\0b" });
        using var metadata = await user.PostAsJsonAsync("api/customer-data",
            new { title = "t", content = "c", metadata = new JsonObject { ["nested"] = new JsonObject { ["k\0"] = "v" } } });
        using var signUp = await tenant.Client.PostAsJsonAsync("api/accounts",
            new { email = "nul@example.test", password = "correct horse battery", display_name = "a\0b" });

        await AssertValidationFailedAsync(title, "title");
        await AssertValidationFailedAsync(content, "content");
        await AssertValidationFailedAsync(metadata, "metadata");
        await AssertValidationFailedAsync(signUp, "display_name");
        var items = (await user.GetFromJsonAsync<JsonObject>("api/customer-data"))!["items"]!.AsArray();
        Assert.Empty(items);
    }

    [Fact]
    public async Task Tenant_settings_with_a_nul_are_refused_and_change_nothing()
    {
        var tenant = await fixture.CreateTenantAsync("NUL settings tenant.");
        using var admin = fixture.OperatorClient();

        using var patch = await admin.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new { system_prompt = "x\0y" });
        using var create = await admin.PostAsJsonAsync("api/admin/tenants",
            new { name = "N\0L", domain = TestTenants.UniqueDomain(), token_limit = 10, model = "m" });

        await AssertValidationFailedAsync(patch, "system_prompt");
        await AssertValidationFailedAsync(create, "name");
        Assert.Equal(tenant.SystemPrompt, (await fixture.GetTenantAsync(tenant.Id))["system_prompt"]!.GetValue<string>());
    }
}
