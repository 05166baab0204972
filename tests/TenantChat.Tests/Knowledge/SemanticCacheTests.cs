using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Knowledge;

/// <summary>The semantic cache (contract section 13): similar prompts without context share an answer, within one tenant only.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SemanticCacheTests(ClusterFixture fixture)
{
    private const string Question = "How do I reset my password?";
    private const string Paraphrase = "How can I reset my password?";

    private Task<(TestTenants.Tenant Tenant, HttpClient Admin)> CachingTenantAsync(int ttlSeconds = 86_400) =>
        CreateWithAdminAsync(new JsonObject { ["enabled"] = true, ["ttl_seconds"] = ttlSeconds });

    private async Task<(TestTenants.Tenant Tenant, HttpClient Admin)> CreateWithAdminAsync(JsonObject semanticCache)
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Semantic cache tenant.");
        using var put = await admin.PutAsJsonAsync("api/tenant/settings", new JsonObject { ["semantic_cache"] = semanticCache });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        return (tenant, admin);
    }

    private static async Task<JsonObject> OkAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    private int UpstreamCalls(TestTenants.Tenant tenant, string system) => fixture.Upstream.CallsFor(system).Count;

    [Fact]
    public async Task A_paraphrase_above_the_threshold_is_answered_from_the_cache_without_upstream_or_charge()
    {
        var (tenant, admin) = await CachingTenantAsync();
        var first = await OkAsync(tenant.Client.ChatAsync(Question));
        var charged = (await fixture.GetTenantAsync(tenant.Id))["tokens_used"]!.GetValue<long>();

        var hit = await OkAsync(tenant.Client.ChatAsync(Paraphrase));

        Assert.False(first["cached"]!.GetValue<bool>());
        Assert.True(hit["cached"]!.GetValue<bool>());
        Assert.Equal(first["response"]!.GetValue<string>(), hit["response"]!.GetValue<string>());
        Assert.Equal(0, hit["usage"]!["total_tokens"]!.GetValue<int>());
        Assert.Equal(1, UpstreamCalls(tenant, tenant.SystemPrompt));
        Assert.Equal(charged, (await fixture.GetTenantAsync(tenant.Id))["tokens_used"]!.GetValue<long>());

        // A stream is answered from it too, and the history and usage say what happened.
        var (_, events) = await tenant.Client.StreamEventsAsync("how can i reset my password");
        Assert.True(JsonNode.Parse(events[^2])!["cached"]!.GetValue<bool>());
        Assert.Equal(1, UpstreamCalls(tenant, tenant.SystemPrompt));
        var usage = (await admin.GetFromJsonAsync<JsonObject>("api/usage"))!;
        Assert.Equal(2, usage["cache_hits"]!.GetValue<long>());
        Assert.Equal(2 * first["usage"]!["total_tokens"]!.GetValue<long>(), usage["tokens_saved"]!.GetValue<long>());
        Assert.Equal(charged, usage["tokens_used"]!.GetValue<long>());
        var history = (await admin.GetFromJsonAsync<JsonObject>("api/chat/messages"))!["items"]!.AsArray();
        Assert.Equal(3, history.Count);
        Assert.Equal(2, history.Count(message => message!["cached"]!.GetValue<bool>()));
        Assert.Equal(charged, (await fixture.LedgerAsync(tenant.Id)).Tokens);
    }

    [Fact]
    public async Task Another_question_tenant_model_seed_or_system_parameter_is_a_miss()
    {
        var (tenant, admin) = await CachingTenantAsync();
        var (other, _) = await CachingTenantAsync();
        await OkAsync(tenant.Client.ChatAsync(Question));

        Assert.False((await OkAsync(tenant.Client.ChatAsync("What are your opening hours on Sunday?")))["cached"]!.GetValue<bool>());
        Assert.False((await OkAsync(other.Client.ChatAsync(Question)))["cached"]!.GetValue<bool>());
        Assert.False((await OkAsync(tenant.Client.ChatAsync(Paraphrase, new { model = "mistral" })))["cached"]!.GetValue<bool>());
        Assert.False((await OkAsync(tenant.Client.ChatAsync(Paraphrase, new { seed = 7 })))["cached"]!.GetValue<bool>());
        Assert.Equal(5, UpstreamCalls(tenant, tenant.SystemPrompt) + UpstreamCalls(other, other.SystemPrompt));

        using (var put = await admin.PutAsJsonAsync("api/tenant/settings", new { system_prompt = tenant.SystemPrompt + " Be brief." }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        Assert.False((await OkAsync(tenant.Client.ChatAsync(Paraphrase)))["cached"]!.GetValue<bool>());
        Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt + " Be brief."));
    }

    [Fact]
    public async Task A_call_in_a_conversation_with_context_is_never_answered_from_it()
    {
        var (tenant, _) = await CachingTenantAsync();
        var first = await OkAsync(tenant.Client.ChatAsync(Question));

        var followUp = await OkAsync(tenant.Client.ChatAsync(Paraphrase, new { conversation_id = first["conversation_id"]!.GetValue<string>() }));

        Assert.False(followUp["cached"]!.GetValue<bool>());
        Assert.Equal(2, UpstreamCalls(tenant, tenant.SystemPrompt));
    }

    [Fact]
    public async Task An_entry_expires_after_its_ttl()
    {
        var (tenant, _) = await CachingTenantAsync(ttlSeconds: 1);
        await OkAsync(tenant.Client.ChatAsync(Question));
        await Task.Delay(1500);

        Assert.False((await OkAsync(tenant.Client.ChatAsync(Paraphrase)))["cached"]!.GetValue<bool>());
        Assert.Equal(2, UpstreamCalls(tenant, tenant.SystemPrompt));
    }

    [Fact]
    public async Task Disabled_it_answers_nothing_from_the_cache()
    {
        var (tenant, _) = await CreateWithAdminAsync(new JsonObject { ["enabled"] = false });
        await OkAsync(tenant.Client.ChatAsync(Question));

        Assert.False((await OkAsync(tenant.Client.ChatAsync(Question)))["cached"]!.GetValue<bool>());
        Assert.Equal(2, UpstreamCalls(tenant, tenant.SystemPrompt));
    }
}
