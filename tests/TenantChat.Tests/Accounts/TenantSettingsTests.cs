using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Accounts;

[Collection(ClusterCollection.Name)]
public sealed class TenantSettingsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_member_cannot_read_or_change_settings()
    {
        var (tenant, _) = await fixture.CreateTenantWithAdminAsync("Member settings tenant.");
        using var member = await fixture.SignedInClientAsync(tenant);

        using var read = await member.GetAsync("api/tenant");
        using var write = await member.PutAsJsonAsync("api/tenant/settings", new { system_prompt = "member was here" });

        Assert.Equal(HttpStatusCode.Forbidden, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Equal("forbidden", (await write.JsonAsync())["code"]!.GetValue<string>());
        Assert.DoesNotContain("member was here", (await fixture.GetTenantAsync(tenant.Id))["system_prompt"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_admins_new_system_parameter_is_what_the_very_next_calls_send_upstream()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Old system parameter.");
        var newSystem = $"New system parameter {Guid.NewGuid():N}";

        using var put = await admin.PutAsJsonAsync("api/tenant/settings",
            new { system_prompt = newSystem, model = "mistral", seed = 9, max_context_turns = 3 });

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var settings = await put.JsonAsync();
        Assert.Equal(newSystem, settings["system_prompt"]!.GetValue<string>());
        Assert.Equal(3, settings["max_context_turns"]!.GetValue<int>());
        // Several calls, spread over both silos' gateways by the client: every one uses the new settings.
        var calls = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => tenant.Client.ChatAsync($"After the change {i}")));
        Assert.All(calls, call => Assert.Equal(HttpStatusCode.OK, call.StatusCode));
        var upstream = fixture.Upstream.CallsFor(newSystem);
        Assert.Equal(6, upstream.Count);
        Assert.All(upstream, call => Assert.Equal(("mistral", "9"), (call.Model, call.Seed)));
        Assert.Empty(fixture.Upstream.CallsFor(tenant.SystemPrompt));
    }

    [Theory]
    [InlineData("token_limit", 999999999)]
    [InlineData("domain", "stolen.test")]
    [InlineData("status", "active")]
    [InlineData("rate_limit_rpm", 100000)]
    public async Task A_tenant_admin_cannot_change_what_only_the_operator_may(string field, object value)
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Operator-only fields tenant.");
        var body = new JsonObject { [field] = JsonValue.Create(value) };

        using var put = await admin.PutAsJsonAsync("api/tenant/settings", body);

        Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode);
        Assert.NotNull((await put.JsonAsync())["errors"]![field]);
        Assert.Equal(1_000_000, (await fixture.GetTenantAsync(tenant.Id))["token_limit"]!.GetValue<long>());
    }

    [Fact]
    public async Task Usage_is_visible_to_every_signed_in_user_of_the_tenant()
    {
        var tenant = await fixture.CreateTenantAsync("Usage visibility tenant.", tokenLimit: 50_000);
        using var member = await fixture.SignedInClientAsync(tenant);
        using var chat = await tenant.Client.ChatAsync("Count me");
        var charged = (await chat.JsonAsync())["usage"]!["total_tokens"]!.GetValue<long>();

        var usage = (await member.GetFromJsonAsync<JsonObject>("api/usage"))!;

        Assert.Equal(charged, usage["tokens_used"]!.GetValue<long>());
        Assert.Equal(50_000, usage["token_limit"]!.GetValue<long>());
        Assert.Equal(50_000 - charged, usage["tokens_remaining"]!.GetValue<long>());
        Assert.Equal(1, usage["calls"]!.GetValue<long>());
        Assert.True(usage["period_start"]!.GetValue<DateTimeOffset>() <= DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task Chat_history_lists_this_tenants_messages_newest_first_and_by_conversation()
    {
        var tenant = await fixture.CreateTenantAsync("History tenant.");
        using var member = await fixture.SignedInClientAsync(tenant);
        using var first = await tenant.Client.ChatAsync("First question");
        var conversation = (await first.JsonAsync())["conversation_id"]!.GetValue<string>();
        using var second = await tenant.Client.ChatAsync("Second question", new { conversation_id = conversation });
        using var other = await tenant.Client.ChatAsync("Another conversation");

        var all = (await member.GetFromJsonAsync<JsonObject>("api/chat/messages"))!["items"]!.AsArray();
        var thread = (await member.GetFromJsonAsync<JsonObject>($"api/chat/messages?conversation_id={conversation}"))!["items"]!.AsArray();
        var firstPage = (await member.GetFromJsonAsync<JsonObject>("api/chat/messages?limit=2"))!;
        var secondPage = (await member.GetFromJsonAsync<JsonObject>($"api/chat/messages?limit=2&cursor={firstPage["next_cursor"]}"))!;

        Assert.Equal(["Another conversation", "Second question", "First question"], all.Select(m => m!["prompt"]!.GetValue<string>()));
        Assert.Equal(["Second question", "First question"], thread.Select(m => m!["prompt"]!.GetValue<string>()));
        var message = all[0]!;
        Assert.Equal((await other.JsonAsync())["id"]!.GetValue<string>(), message["id"]!.GetValue<string>());
        Assert.NotNull(message["usage"]!["total_tokens"]);
        Assert.Equal("openai", message["model"]!.GetValue<string>());
        Assert.Equal(2, firstPage["items"]!.AsArray().Count);
        Assert.Single(secondPage["items"]!.AsArray());
        Assert.Null(secondPage["next_cursor"]);
    }
}
