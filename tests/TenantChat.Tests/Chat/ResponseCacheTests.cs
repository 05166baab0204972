using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Chat;

/// <summary>The opt-in, tenant-scoped response cache, through the HTTP API.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ResponseCacheTests(ClusterFixture fixture)
{
    private static Action<JsonObject> CacheFor(int seconds, string? systemPrompt = null) => body =>
    {
        body["response_cache_seconds"] = seconds;
        if (systemPrompt is not null)
        {
            body["system_prompt"] = systemPrompt;
        }
    };

    private async Task<JsonObject> UsageAsync(TestTenants.Tenant tenant)
    {
        using var user = await fixture.SignedInClientAsync(tenant);
        return (await user.GetFromJsonAsync<JsonObject>("api/usage"))!;
    }

    private static async Task<JsonObject> OkAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    [Fact]
    public async Task A_repeated_call_is_answered_from_the_cache_charged_nothing_and_counted_as_a_hit()
    {
        var tenant = await fixture.CreateTenantAsync("Caching tenant.", customize: CacheFor(300));

        var first = await OkAsync(tenant.Client.ChatAsync("What are your opening hours?"));
        var second = await OkAsync(tenant.Client.ChatAsync("What are your opening hours?"));

        Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        Assert.False(first["cached"]!.GetValue<bool>());
        Assert.True(second["cached"]!.GetValue<bool>());
        Assert.Equal(first["response"]!.GetValue<string>(), second["response"]!.GetValue<string>());
        Assert.NotEqual(first["id"]!.GetValue<Guid>(), second["id"]!.GetValue<Guid>());
        Assert.Equal(0, second["usage"]!["total_tokens"]!.GetValue<int>());

        var firstTokens = first["usage"]!["total_tokens"]!.GetValue<long>();
        var usage = await UsageAsync(tenant);
        Assert.Equal(firstTokens, usage["tokens_used"]!.GetValue<long>());
        Assert.Equal(2, usage["calls"]!.GetValue<long>());
        Assert.Equal(1, usage["cache_hits"]!.GetValue<long>());
        Assert.Equal((2, firstTokens), await fixture.LedgerAsync(tenant.Id));
    }

    [Fact]
    public async Task Without_opting_in_every_call_goes_upstream()
    {
        var tenant = await fixture.CreateTenantAsync("Uncached tenant.");

        var first = await OkAsync(tenant.Client.ChatAsync("Same question"));
        var second = await OkAsync(tenant.Client.ChatAsync("Same question"));

        Assert.Equal(2, fixture.Upstream.CallsFor(tenant.SystemPrompt).Count);
        Assert.False(second["cached"]!.GetValue<bool>());
        Assert.Equal(0, (await UsageAsync(tenant))["cache_hits"]!.GetValue<long>());
        Assert.Equal(0, first["usage"]!["total_tokens"]!.GetValue<int>() - second["usage"]!["total_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Two_tenants_with_identical_settings_and_prompts_never_share_an_entry()
    {
        // Same system parameter, model, seed and prompt: only the tenant tells the two calls apart.
        var system = $"Shared voice {Guid.NewGuid():N}";
        var a = await fixture.CreateTenantAsync("A", customize: CacheFor(300, system));
        var b = await fixture.CreateTenantAsync("B", customize: CacheFor(300, system));

        await OkAsync(a.Client.ChatAsync("Identical prompt"));
        var bFirst = await OkAsync(b.Client.ChatAsync("Identical prompt"));

        Assert.False(bFirst["cached"]!.GetValue<bool>());
        Assert.Equal(2, fixture.Upstream.CallsFor(system).Count);
        Assert.True(bFirst["usage"]!["total_tokens"]!.GetValue<int>() > 0);
        Assert.True((await OkAsync(a.Client.ChatAsync("Identical prompt")))["cached"]!.GetValue<bool>());
        Assert.True((await OkAsync(b.Client.ChatAsync("Identical prompt")))["cached"]!.GetValue<bool>());
        Assert.Equal(1, (await UsageAsync(a))["cache_hits"]!.GetValue<long>());
        Assert.Equal(1, (await UsageAsync(b))["cache_hits"]!.GetValue<long>());
    }

    [Fact]
    public async Task Tenants_asking_the_same_prompt_each_get_their_own_answer()
    {
        var a = await fixture.CreateTenantAsync("Voice of A.", customize: CacheFor(300));
        var b = await fixture.CreateTenantAsync("Voice of B.", customize: CacheFor(300));

        for (var round = 0; round < 2; round++)
        {
            var fromA = (await OkAsync(a.Client.ChatAsync("Tell me about returns")))["response"]!.GetValue<string>();
            var fromB = (await OkAsync(b.Client.ChatAsync("Tell me about returns")))["response"]!.GetValue<string>();

            Assert.Contains(Fakes.FakeUpstream.VoiceOf(a.SystemPrompt), fromA, StringComparison.Ordinal);
            Assert.Contains(Fakes.FakeUpstream.VoiceOf(b.SystemPrompt), fromB, StringComparison.Ordinal);
        }
        Assert.Single(fixture.Upstream.CallsFor(a.SystemPrompt));
        Assert.Single(fixture.Upstream.CallsFor(b.SystemPrompt));
    }

    [Fact]
    public async Task A_different_seed_model_or_conversation_is_a_different_entry()
    {
        var tenant = await fixture.CreateTenantAsync("Keyed tenant.", customize: CacheFor(300));

        var first = await OkAsync(tenant.Client.ChatAsync("Keyed"));
        await OkAsync(tenant.Client.ChatAsync("Keyed", new { seed = 7 }));
        await OkAsync(tenant.Client.ChatAsync("Keyed", new { model = "mistral" }));
        await OkAsync(tenant.Client.ChatAsync("Keyed", new { conversation_id = first["conversation_id"]!.GetValue<Guid>() }));

        Assert.Equal(4, fixture.Upstream.CallsFor(tenant.SystemPrompt).Count);
    }

    [Fact]
    public async Task Entries_expire_and_a_settings_change_empties_the_cache()
    {
        var tenant = await fixture.CreateTenantAsync("Expiring tenant.", customize: CacheFor(1));

        await OkAsync(tenant.Client.ChatAsync("Expiring"));
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.False((await OkAsync(tenant.Client.ChatAsync("Expiring")))["cached"]!.GetValue<bool>());

        using var admin = fixture.OperatorClient();
        using var patch = await admin.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new JsonObject { ["response_cache_seconds"] = 300 });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        Assert.False((await OkAsync(tenant.Client.ChatAsync("Expiring")))["cached"]!.GetValue<bool>());
        Assert.True((await OkAsync(tenant.Client.ChatAsync("Expiring")))["cached"]!.GetValue<bool>());
        Assert.Equal(3, fixture.Upstream.CallsFor(tenant.SystemPrompt).Count);
    }

    [Fact]
    public async Task A_stream_is_answered_from_the_cache_and_stored_as_a_hit()
    {
        var tenant = await fixture.CreateTenantAsync("Streaming cache tenant.", customize: CacheFor(300));
        var first = await OkAsync(tenant.Client.ChatAsync("Stream it again"));

        var (response, events) = await tenant.Client.StreamEventsAsync("Stream it again");
        using var _ = response;

        Assert.Equal("[DONE]", events[^1]);
        var final = JsonNode.Parse(events[^2])!;
        Assert.True(final["cached"]!.GetValue<bool>());
        Assert.Equal(first["response"]!.GetValue<string>(), string.Concat(events[..^2].Select(e => JsonNode.Parse(e)!["delta"]!.GetValue<string>())));
        Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        Assert.Equal(1, (await UsageAsync(tenant))["cache_hits"]!.GetValue<long>());
    }

    [Fact]
    public async Task An_answer_cut_at_the_token_allowance_is_not_cached()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:long] Cut tenant.", customize: body =>
        {
            CacheFor(300)(body);
            body["max_output_tokens"] = 20;
        });

        await OkAsync(tenant.Client.ChatAsync("Say a lot"));
        var second = await OkAsync(tenant.Client.ChatAsync("Say a lot"));

        Assert.False(second["cached"]!.GetValue<bool>());
        Assert.Equal(2, fixture.Upstream.CallsFor(tenant.SystemPrompt).Count);
    }
}
