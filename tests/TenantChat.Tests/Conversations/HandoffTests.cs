using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Conversations;

[Collection(ClusterCollection.Name)]
public sealed class HandoffTests(ClusterFixture fixture)
{
    private const string Phrase = "Talk to a human";

    private Task<(TestTenants.Tenant Tenant, HttpClient Admin)> CreateTenantAsync(string systemPrompt) =>
        fixture.CreateTenantWithAdminAsync(systemPrompt, body => body["handoff_phrase"] = Phrase);

    private static async Task<JsonObject> TranscriptAsync(HttpClient client, string conversationId, string? after = null) =>
        (await client.GetFromJsonAsync<JsonObject>($"api/chat/conversations/{conversationId}"
            + (after is null ? "" : $"?after={Uri.EscapeDataString(after)}")))!;

    private static string[] Roles(JsonObject transcript) => [.. transcript["messages"]!.AsArray().Select(m => m!["role"]!.GetValue<string>())];

    [Fact]
    public async Task The_handoff_phrase_hands_the_conversation_to_a_person_and_later_calls_cost_nothing()
    {
        var (tenant, admin) = await CreateTenantAsync("Phrase handoff tenant.");
        using var first = await tenant.Client.ChatAsync("Where is my order?");
        var firstBody = await first.JsonAsync();
        var conversationId = firstBody["conversation_id"]!.GetValue<string>();
        var charged = firstBody["usage"]!["total_tokens"]!.GetValue<long>();

        using var handoff = await tenant.Client.ChatAsync("This is useless, let me TALK TO A HUMAN please", new { conversation_id = conversationId });
        using var later = await tenant.Client.ChatAsync("Hello? Anyone there?", new { conversation_id = conversationId });

        foreach (var response in new[] { handoff, later })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.JsonAsync();
            Assert.True(body["handoff"]!.GetValue<bool>());
            Assert.Equal("", body["response"]!.GetValue<string>());
            Assert.Equal(0, body["usage"]!["total_tokens"]!.GetValue<int>());
            Assert.Equal(conversationId, body["conversation_id"]!.GetValue<string>());
        }
        Assert.False(firstBody["handoff"]!.GetValue<bool>());
        Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        var usage = (await admin.GetFromJsonAsync<JsonObject>("api/usage"))!;
        Assert.Equal(charged, usage["tokens_used"]!.GetValue<long>());
        Assert.Equal((3, charged), await fixture.LedgerAsync(tenant.Id));
        var listed = (await admin.GetFromJsonAsync<JsonObject>("api/conversations?status=needs_human"))!["items"]!.AsArray();
        var conversation = Assert.Single(listed);
        Assert.Equal(conversationId, conversation!["id"]!.GetValue<string>());
        Assert.Equal(4, conversation["message_count"]!.GetValue<int>());
        Assert.Equal(["user", "assistant", "user", "user"], Roles(await TranscriptAsync(tenant.Client, conversationId)));
    }

    [Fact]
    public async Task The_handoff_flag_starts_a_conversation_for_a_person_and_a_stream_in_it_reports_the_handoff()
    {
        var (tenant, _) = await CreateTenantAsync("Flag handoff tenant.");

        using var flagged = await tenant.Client.ChatAsync("I need help with my account", new { handoff = true });
        var flaggedBody = await flagged.JsonAsync();
        var conversationId = flaggedBody["conversation_id"]!.GetValue<string>();
        using var stream = await tenant.Client.PostAsJsonAsync("api/chat/stream", new { prompt = "Still waiting", conversation_id = conversationId });
        var events = (await stream.Content.ReadAsStringAsync()).Split('\n').Where(line => line.StartsWith("data: ", StringComparison.Ordinal)).ToList();

        Assert.Equal(HttpStatusCode.OK, flagged.StatusCode);
        Assert.True(flaggedBody["handoff"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        Assert.Equal(2, events.Count);
        var final = JsonNode.Parse(events[0]["data: ".Length..])!;
        Assert.True(final["handoff"]!.GetValue<bool>());
        Assert.Null(final["delta"]);
        Assert.Equal(0, final["usage"]!["total_tokens"]!.GetValue<int>());
        Assert.Equal("data: [DONE]", events[1]);
        Assert.Empty(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        Assert.Equal((2, 0), await fixture.LedgerAsync(tenant.Id));
        var transcript = await TranscriptAsync(tenant.Client, conversationId);
        Assert.Equal("needs_human", transcript["status"]!.GetValue<string>());
        Assert.Equal(["user", "user"], Roles(transcript));
    }

    [Fact]
    public async Task An_agent_reply_reaches_the_visitor_and_reopening_gives_the_conversation_back_to_the_AI()
    {
        var (tenant, _) = await CreateTenantAsync("Agent reply tenant.");
        using var member = await fixture.SignedInClientAsync(tenant);
        using var flagged = await tenant.Client.ChatAsync("Please get me a person", new { handoff = true });
        var conversationId = (await flagged.JsonAsync())["conversation_id"]!.GetValue<string>();
        var seen = await TranscriptAsync(tenant.Client, conversationId);
        var lastSeen = seen["messages"]!.AsArray()[^1]!["created_at"]!.GetValue<string>();

        using var reply = await member.PostAsJsonAsync($"api/conversations/{conversationId}/replies", new { text = "Hi, I'm Sam from support." });
        var newer = await TranscriptAsync(tenant.Client, conversationId, after: lastSeen);
        using var reopen = await member.PatchAsJsonAsync($"api/conversations/{conversationId}", new { status = "open" });
        using var answered = await tenant.Client.ChatAsync("Thanks Sam, one more question", new { conversation_id = conversationId });

        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        Assert.Equal("agent", (await reply.JsonAsync())["role"]!.GetValue<string>());
        var message = Assert.Single(newer["messages"]!.AsArray());
        Assert.Equal(("agent", "Hi, I'm Sam from support."), (message!["role"]!.GetValue<string>(), message["text"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.OK, reopen.StatusCode);
        Assert.Equal("open", (await reopen.JsonAsync())["status"]!.GetValue<string>());
        var answer = await answered.JsonAsync();
        Assert.False(answer["handoff"]!.GetValue<bool>());
        Assert.NotEqual("", answer["response"]!.GetValue<string>());
        Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        var transcript = await TranscriptAsync(tenant.Client, conversationId);
        Assert.Equal("open", transcript["status"]!.GetValue<string>());
        Assert.Equal(["user", "agent", "user", "assistant"], Roles(transcript));
        Assert.Empty((await TranscriptAsync(tenant.Client, conversationId, after: transcript["messages"]!.AsArray()[^1]!["created_at"]!.GetValue<string>()))["messages"]!.AsArray());
    }

    [Fact]
    public async Task The_phrase_in_an_OpenAI_compatible_call_hands_over_without_an_upstream_call()
    {
        var (tenant, admin) = await CreateTenantAsync("OpenAI handoff tenant.");

        using var completion = await tenant.Client.PostAsJsonAsync("v1/chat/completions", new
        {
            model = "openai",
            messages = new[] { new { role = "user", content = "talk to a human, now" } },
        });

        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        var body = await completion.JsonAsync();
        Assert.True(body["handoff"]!.GetValue<bool>());
        Assert.Equal("", body["choices"]![0]!["message"]!["content"]!.GetValue<string>());
        Assert.Equal(0, body["usage"]!["total_tokens"]!.GetValue<int>());
        Assert.Empty(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        var conversation = Assert.Single((await admin.GetFromJsonAsync<JsonObject>("api/conversations"))!["items"]!.AsArray());
        Assert.Equal(body["conversation_id"]!.GetValue<string>(), conversation!["id"]!.GetValue<string>());
        Assert.Equal(("needs_human", "openai"), (conversation["status"]!.GetValue<string>(), conversation["channel"]!.GetValue<string>()));
    }

    [Fact]
    public async Task A_handoff_is_answered_even_when_the_budget_is_spent()
    {
        var tenant = await fixture.CreateTenantAsync("Spent budget tenant.", tokenLimit: 0, customize: body => body["handoff_phrase"] = Phrase);

        using var refused = await tenant.Client.ChatAsync("Answer me");
        using var handoff = await tenant.Client.ChatAsync("talk to a human");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, handoff.StatusCode);
        Assert.True((await handoff.JsonAsync())["handoff"]!.GetValue<bool>());
        Assert.Equal((1, 0), await fixture.LedgerAsync(tenant.Id));
    }

    [Fact]
    public async Task A_handoff_raises_one_event_once_durable_and_waiting_calls_raise_none()
    {
        var (tenant, member) = await CreateTenantAsync("Handoff event tenant.");

        using var flagged = await tenant.Client.ChatAsync("Get me a person", new { handoff = true });
        var body = await flagged.JsonAsync();
        var conversationId = body["conversation_id"]!.GetValue<string>();
        using var waiting = await tenant.Client.ChatAsync("talk to a human, again", new { conversation_id = conversationId });
        using var reopen = await member.PatchAsJsonAsync($"api/conversations/{conversationId}", new { status = "open" });
        using var again = await tenant.Client.ChatAsync("Talk to a human once more", new { conversation_id = conversationId });

        Assert.Equal(HttpStatusCode.OK, reopen.StatusCode);
        var events = ClusterFixture.ConversationEvents.HandoffsOf(tenant.Id);
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal(Guid.Parse(conversationId), e.ConversationId));
        Assert.Equal(body["created_at"]!.GetValue<DateTimeOffset>(), events[0].At);
    }
}
