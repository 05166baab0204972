using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Grains.Tokens;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Knowledge;

/// <summary>Chat with a tenant's knowledge: what goes upstream, what is charged, and what the caller is told.</summary>
[Collection(ClusterCollection.Name)]
public sealed class KnowledgeChatTests(ClusterFixture fixture)
{
    private static readonly TokenCounter Tokens = new();

    private const string PasswordTitle = "Resetting your password";
    private const string PasswordText = "Open the sign-in page and choose Forgot password. We email a reset link that works for 30 minutes.";

    /// <summary>A tenant with knowledge settings, a signed-in user, and a few items indexed.</summary>
    private async Task<(TestTenants.Tenant Tenant, HttpClient User, Guid Password)> TenantWithKnowledgeAsync(JsonObject knowledge,
        string systemPrompt = "Knowledge chat tenant.")
    {
        var tenant = await fixture.CreateTenantAsync(systemPrompt, customize: body => body["knowledge"] = knowledge);
        var user = await fixture.SignedInClientAsync(tenant);
        var password = await user.AddItemAsync(PasswordTitle, PasswordText);
        var refunds = await user.AddItemAsync("Refund policy", "Unused products can be returned within 30 days for a full refund.");
        var hours = await user.AddItemAsync("Store opening hours", "The store opens Monday to Saturday from 10 am to 6 pm.");
        await user.WaitIndexedAsync([password, refunds, hours], TimeSpan.FromSeconds(60));
        return (tenant, user, password);
    }

    private static string KnowledgeBlockOf(TestTenants.Tenant tenant, string system)
    {
        Assert.StartsWith(tenant.SystemPrompt + "\n\n", system, StringComparison.Ordinal);
        return system[(tenant.SystemPrompt.Length + 2)..];
    }

    [Fact]
    public async Task A_call_sends_the_retrieved_chunks_in_the_system_parameter_counts_them_and_names_its_sources()
    {
        var (tenant, user, password) = await TenantWithKnowledgeAsync(new JsonObject { ["enabled"] = true });
        const string prompt = "I forgot my login, what now?";

        using var response = await tenant.Client.ChatAsync(prompt);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await response.JsonAsync();

        var call = Assert.Single(fixture.Upstream.CallsStartingWith(tenant.SystemPrompt));
        var block = KnowledgeBlockOf(tenant, call.System!);
        Assert.Contains(PasswordText, block, StringComparison.Ordinal);
        Assert.DoesNotContain("opens Monday", block, StringComparison.Ordinal);
        Assert.True(Tokens.Count(block) <= 1500);
        // Exact accounting: the assembled system parameter, as sent, and the prompt are the prompt tokens.
        Assert.Equal(Tokens.Count(call.System!) + Tokens.Count(prompt), reply["usage"]!["prompt_tokens"]!.GetValue<int>());
        Assert.Equal(reply["usage"]!["total_tokens"]!.GetValue<long>(), (await fixture.GetTenantAsync(tenant.Id))["tokens_used"]!.GetValue<long>());

        var source = Assert.Single(reply["sources"]!.AsArray());
        Assert.Equal(password, source!["id"]!.GetValue<Guid>());
        Assert.Equal(PasswordTitle, source["title"]!.GetValue<string>());
        Assert.InRange(source["score"]!.GetValue<double>(), 0.3, 1);

        var history = (await user.GetFromJsonAsync<JsonObject>("api/chat/messages"))!["items"]!.AsArray();
        Assert.Equal(password, Assert.Single(history)!["sources"]!.AsArray().Single()!["id"]!.GetValue<Guid>());
    }

    [Fact]
    public async Task A_stream_and_the_openai_route_carry_the_sources_too()
    {
        var (tenant, _, password) = await TenantWithKnowledgeAsync(new JsonObject { ["enabled"] = true });

        var (streamed, events) = await tenant.Client.StreamEventsAsync("How do I reset my password?");
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        var final = JsonNode.Parse(events[^2])!;
        Assert.Equal(password, final["sources"]!.AsArray().Single()!["id"]!.GetValue<Guid>());

        using var completion = await tenant.Client.PostAsJsonAsync("v1/chat/completions",
            new { model = "openai", messages = new[] { new { role = "user", content = "How do I reset my password?" } } });
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        var body = await completion.JsonAsync();
        Assert.Equal(password, body["sources"]!.AsArray().Single()!["id"]!.GetValue<Guid>());
        Assert.Equal(Tokens.Count(fixture.Upstream.CallsStartingWith(tenant.SystemPrompt)[^1].System!) + Tokens.Count("How do I reset my password?"),
            body["usage"]!["prompt_tokens"]!.GetValue<int>());

        Assert.All(fixture.Upstream.CallsStartingWith(tenant.SystemPrompt), call =>
            Assert.Contains(PasswordText, KnowledgeBlockOf(tenant, call.System!), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Knowledge_stays_within_max_tokens_and_below_min_score_nothing_is_sent()
    {
        var (tenant, _, _) = await TenantWithKnowledgeAsync(new JsonObject { ["enabled"] = true, ["max_tokens"] = 60, ["top_k"] = 3, ["min_score"] = 0 });
        using (var response = await tenant.Client.ChatAsync("How do I reset my password?"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var block = KnowledgeBlockOf(tenant, fixture.Upstream.CallsStartingWith(tenant.SystemPrompt)[^1].System!);
        Assert.InRange(Tokens.Count(block), 1, 60);
        Assert.Contains("[1] ", block, StringComparison.Ordinal);

        var strict = await fixture.CreateTenantAsync("Strict knowledge tenant.", customize: body =>
            body["knowledge"] = new JsonObject { ["enabled"] = true, ["min_score"] = 0.99 });
        using var user = await fixture.SignedInClientAsync(strict);
        await user.WaitIndexedAsync([await user.AddItemAsync(PasswordTitle, PasswordText)], TimeSpan.FromSeconds(60));
        using var strictResponse = await strict.Client.ChatAsync("Is it going to rain tomorrow?");
        Assert.Empty((await strictResponse.JsonAsync())["sources"]!.AsArray());
        Assert.Equal(strict.SystemPrompt, Assert.Single(fixture.Upstream.CallsStartingWith(strict.SystemPrompt)).System);
    }

    [Fact]
    public async Task With_knowledge_disabled_the_system_parameter_is_unchanged_and_sources_are_empty()
    {
        var (tenant, _, _) = await TenantWithKnowledgeAsync(new JsonObject { ["enabled"] = false });

        using var response = await tenant.Client.ChatAsync("I forgot my password");

        var reply = await response.JsonAsync();
        Assert.Empty(reply["sources"]!.AsArray());
        Assert.Equal(tenant.SystemPrompt, Assert.Single(fixture.Upstream.CallsStartingWith(tenant.SystemPrompt)).System);
        Assert.Equal(Tokens.Count(tenant.SystemPrompt) + Tokens.Count("I forgot my password"), reply["usage"]!["prompt_tokens"]!.GetValue<int>());
    }

    [Fact]
    public async Task Another_tenants_knowledge_never_reaches_a_chat()
    {
        var (owner, _, _) = await TenantWithKnowledgeAsync(new JsonObject { ["enabled"] = true, ["min_score"] = 0 });
        using var ownerUser = await fixture.SignedInClientAsync(owner);
        await ownerUser.WaitIndexedAsync([await ownerUser.AddItemAsync("Vault", "The vault passphrase is purple-otter-cascade.")], TimeSpan.FromSeconds(60));
        var (other, _, otherPassword) = await TenantWithKnowledgeAsync(new JsonObject { ["enabled"] = true, ["min_score"] = 0 });

        using var response = await other.Client.ChatAsync("What is the vault passphrase? purple-otter-cascade");

        var reply = await response.JsonAsync();
        var call = Assert.Single(fixture.Upstream.CallsStartingWith(other.SystemPrompt));
        Assert.DoesNotContain("otter", call.System!, StringComparison.Ordinal);
        Assert.DoesNotContain(PasswordText, call.System!.Replace(PasswordText, "", StringComparison.Ordinal), StringComparison.Ordinal);
        using var otherUser = await fixture.SignedInClientAsync(other);
        var ownIds = (await otherUser.GetFromJsonAsync<JsonObject>("api/customer-data"))!["items"]!.AsArray().Select(item => item!["id"]!.GetValue<Guid>()).ToHashSet();
        Assert.Contains(otherPassword, ownIds);
        Assert.All(reply["sources"]!.AsArray(), source => Assert.Contains(source!["id"]!.GetValue<Guid>(), ownIds));
    }

    [Fact]
    public async Task Knowledge_settings_are_read_validated_and_changed_by_the_tenant_admin()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Knowledge settings tenant.");
        var current = await admin.GetFromJsonAsync<JsonObject>("api/tenant");
        Assert.Equal("""{"enabled":false,"top_k":5,"min_score":0.3,"max_tokens":1500}""", current!["knowledge"]!.ToJsonString());
        Assert.Equal("""{"enabled":false,"threshold":0.92,"ttl_seconds":86400}""", current["semantic_cache"]!.ToJsonString());

        using (var changed = await admin.PutAsJsonAsync("api/tenant/settings", new { knowledge = new { enabled = true, top_k = 3 } }))
        {
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
            Assert.Equal("""{"enabled":true,"top_k":3,"min_score":0.3,"max_tokens":1500}""", (await changed.JsonAsync())["knowledge"]!.ToJsonString());
        }
        foreach (var invalid in new[]
        {
            """{"knowledge": {"top_k": 0}}""", """{"knowledge": {"min_score": 1.5}}""", """{"knowledge": {"enabled": "yes"}}""",
            """{"knowledge": {"max_tokens": 2.5}}""", """{"knowledge": {"colour": 1}}""", """{"knowledge": true}""",
            """{"semantic_cache": {"threshold": 0.1}}""", """{"semantic_cache": {"ttl_seconds": 0}}""",
        })
        {
            using var refused = await admin.PutAsync("api/tenant/settings", new StringContent(invalid, System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var field = invalid.Contains("knowledge", StringComparison.Ordinal) ? "knowledge" : "semantic_cache";
            Assert.NotNull((await refused.JsonAsync())["errors"]![field]);
        }
        var after = await fixture.GetTenantAsync(tenant.Id);
        Assert.Equal("""{"enabled":true,"top_k":3,"min_score":0.3,"max_tokens":1500}""", after["knowledge"]!.ToJsonString());
    }

    [Fact]
    public async Task The_tenants_own_system_parameter_is_still_redacted_when_knowledge_is_appended_to_it()
    {
        var (tenant, _, _) = await TenantWithKnowledgeAsync(new JsonObject { ["enabled"] = true }, "[fake:leak] [fake:drip=1] Leaky knowledge tenant.");

        var (_, events) = await tenant.Client.StreamEventsAsync("How do I reset my password?");
        using var call = await tenant.Client.ChatAsync("How do I reset my password?");

        var streamed = string.Concat(events[..^2].Select(e => JsonNode.Parse(e)!["delta"]!.GetValue<string>()));
        var answered = (await call.JsonAsync())["response"]!.GetValue<string>();
        foreach (var answer in new[] { streamed, answered })
        {
            Assert.Contains("My instructions are:", answer, StringComparison.Ordinal);
            Assert.DoesNotContain(tenant.SystemPrompt, answer, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("[redacted]", answer, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_system_preview_shows_the_knowledge_a_call_would_send_and_max_system_tokens_bounds_it()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Preview knowledge tenant.");
        using (var put = await admin.PutAsJsonAsync("api/tenant/settings", new { knowledge = new { enabled = true } }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        var password = await admin.AddItemAsync(PasswordTitle, PasswordText);
        await admin.WaitIndexedAsync([password], TimeSpan.FromSeconds(60));
        const string prompt = "I forgot my password";

        var preview = (await admin.GetFromJsonAsync<JsonObject>($"api/tenant/system-preview?prompt={Uri.EscapeDataString(prompt)}"))!;
        using (var call = await tenant.Client.ChatAsync(prompt))
        {
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        var system = preview["system"]!.GetValue<string>();
        Assert.Contains(PasswordText, KnowledgeBlockOf(tenant, system), StringComparison.Ordinal);
        Assert.Equal(Tokens.Count(system), preview["tokens"]!.GetValue<int>());
        Assert.Equal(password, preview["sources"]!.AsArray().Single()!["id"]!.GetValue<Guid>());
        Assert.Equal(system, Assert.Single(fixture.Upstream.CallsStartingWith(tenant.SystemPrompt)).System);

        // Knowledge gets only what max_system_tokens leaves after the tenant's own assembly.
        var budget = Tokens.Count(tenant.SystemPrompt) + 60;
        using (var put = await admin.PutAsJsonAsync("api/tenant/settings", new { max_system_tokens = budget }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }
        var bounded = (await admin.GetFromJsonAsync<JsonObject>($"api/tenant/system-preview?prompt={Uri.EscapeDataString(prompt)}"))!;
        Assert.InRange(bounded["tokens"]!.GetValue<int>(), Tokens.Count(tenant.SystemPrompt) + 1, budget);
    }
}
