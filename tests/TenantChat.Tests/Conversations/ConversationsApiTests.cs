using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Conversations;

[Collection(ClusterCollection.Name)]
public sealed class ConversationsApiTests(ClusterFixture fixture)
{
    private static async Task<string> StartAsync(TestTenants.Tenant tenant, string prompt, bool handoff = false)
    {
        using var response = await tenant.Client.ChatAsync(prompt, handoff ? new { handoff = true } : null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.JsonAsync())["conversation_id"]!.GetValue<string>();
    }

    [Fact]
    public async Task Conversations_are_listed_newest_activity_first_filtered_by_status_and_paged_once_each()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Listing tenant.");
        var started = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            started.Add(await StartAsync(tenant, $"Conversation {i}", handoff: i is 1 or 3));
        }
        // New activity moves the first conversation to the top.
        using var touched = await tenant.Client.ChatAsync("More", new { conversation_id = started[0] });

        var paged = new List<JsonNode>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = (await admin.GetFromJsonAsync<JsonObject>("api/conversations?limit=2" + (cursor is null ? "" : $"&cursor={cursor}")))!;
            paged.AddRange(page["items"]!.AsArray()!);
            cursor = page["next_cursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null);
        var waiting = (await admin.GetFromJsonAsync<JsonObject>("api/conversations?status=needs_human"))!["items"]!.AsArray();
        using var badStatus = await admin.GetAsync("api/conversations?status=waiting");

        string[] expected = [started[0], started[4], started[3], started[2], started[1]];
        Assert.Equal(expected, paged.Select(item => item["id"]!.GetValue<string>()));
        Assert.Equal(3, pages);
        var activity = paged.Select(item => item["last_message_at"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(activity.OrderByDescending(at => at), activity);
        Assert.All(paged, item => Assert.Equal("api", item["channel"]!.GetValue<string>()));
        Assert.Equal(4, paged[0]["message_count"]!.GetValue<int>());
        Assert.Equal([started[3], started[1]], waiting.Select(item => item!["id"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
    }

    [Fact]
    public async Task Another_tenants_conversation_is_404_on_every_route_and_stays_untouched()
    {
        var owner = await fixture.CreateTenantAsync("Owner of the conversation.");
        var (intruder, intruderAdmin) = await fixture.CreateTenantWithAdminAsync("Intruding tenant.");
        var conversationId = await StartAsync(owner, "My private question");

        using var transcript = await intruder.Client.GetAsync($"api/chat/conversations/{conversationId}");
        using var reply = await intruderAdmin.PostAsJsonAsync($"api/conversations/{conversationId}/replies", new { text = "Injected" });
        using var patch = await intruderAdmin.PatchAsJsonAsync($"api/conversations/{conversationId}", new { status = "closed" });
        using var delete = await intruderAdmin.DeleteAsync($"api/conversations/{conversationId}");
        using var chat = await intruder.Client.ChatAsync("Continue", new { conversation_id = conversationId });
        var intruderList = (await intruderAdmin.GetFromJsonAsync<JsonObject>("api/conversations"))!["items"]!.AsArray();

        foreach (var response in new[] { transcript, reply, patch, delete, chat })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("not_found", (await response.JsonAsync())["code"]!.GetValue<string>());
        }
        Assert.Empty(intruderList);
        var untouched = (await owner.Client.GetFromJsonAsync<JsonObject>($"api/chat/conversations/{conversationId}"))!;
        Assert.Equal("open", untouched["status"]!.GetValue<string>());
        Assert.Equal(2, untouched["messages"]!.AsArray().Count);
        Assert.DoesNotContain("Injected", untouched.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erasing_a_conversation_removes_its_text_and_keeps_the_ledger_exact()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Erasure tenant.");
        using var member = await fixture.SignedInClientAsync(tenant);
        var erased = await StartAsync(tenant, "My address is 1 Secret Lane");
        using var second = await tenant.Client.ChatAsync("And my phone is 555-0199", new { conversation_id = erased });
        using var handoff = await tenant.Client.ChatAsync("A person please", new { conversation_id = erased, handoff = true });
        using var reply = await member.PostAsJsonAsync($"api/conversations/{erased}/replies", new { text = "Noted your address." });
        var kept = await StartAsync(tenant, "Keep this one");
        var usageBefore = (await admin.GetFromJsonAsync<JsonObject>("api/usage"))!["tokens_used"]!.GetValue<long>();
        var ledgerBefore = await fixture.LedgerAsync(tenant.Id);

        using var byMember = await member.DeleteAsync($"api/conversations/{erased}");
        using var delete = await admin.DeleteAsync($"api/conversations/{erased}");
        using var again = await admin.DeleteAsync($"api/conversations/{erased}");
        using var transcript = await tenant.Client.GetAsync($"api/chat/conversations/{erased}");
        using var continued = await tenant.Client.ChatAsync("Remember me?", new { conversation_id = erased });

        Assert.Equal(HttpStatusCode.Forbidden, byMember.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, transcript.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, continued.StatusCode);
        var listed = (await admin.GetFromJsonAsync<JsonObject>("api/conversations"))!["items"]!.AsArray();
        Assert.Equal([kept], listed.Select(item => item!["id"]!.GetValue<string>()));
        // The ledger keeps every row and its tokens; the text is gone from the database itself.
        Assert.Equal(ledgerBefore, await fixture.LedgerAsync(tenant.Id));
        var usageAfter = (await admin.GetFromJsonAsync<JsonObject>("api/usage"))!["tokens_used"]!.GetValue<long>();
        Assert.Equal(usageBefore, usageAfter);
        Assert.Equal(ledgerBefore.Tokens, usageAfter);
        await using var rows = fixture.Database.CreateCommand("""
            select count(*), count(*) filter (where prompt = '' and response = '' and erased_at is not null),
                (select count(*) from agent_replies where tenant_id = @tenant),
                (select count(*) from chat_messages where tenant_id = @tenant and (prompt like '%Secret Lane%' or prompt like '%555-0199%'))
            from chat_messages where tenant_id = @tenant and conversation_id = @conversation
            """);
        rows.Parameters.AddWithValue("tenant", tenant.Id);
        rows.Parameters.AddWithValue("conversation", Guid.Parse(erased));
        await using var reader = await rows.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal((3L, 3L, 0L, 0L), (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        var history = (await member.GetFromJsonAsync<JsonObject>($"api/chat/messages?conversation_id={erased}"))!["items"]!.AsArray();
        Assert.All(history, item => Assert.True(item!["erased"]!.GetValue<bool>()));
    }

    [Theory]
    [InlineData("""{ "status": "needs_human" }""")]
    [InlineData("""{ "status": "archived" }""")]
    [InlineData("""{ }""")]
    public async Task A_status_other_than_open_or_closed_is_refused(string json)
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Status tenant.");
        var conversationId = await StartAsync(tenant, "Hello");

        using var patch = await admin.PatchAsync($"api/conversations/{conversationId}", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
        Assert.NotNull((await patch.JsonAsync())["errors"]!["status"]);
    }

    [Fact]
    public async Task A_closed_conversation_is_reopened_by_the_visitors_next_message()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Closing tenant.");
        var conversationId = await StartAsync(tenant, "Hello");

        using var close = await admin.PatchAsJsonAsync($"api/conversations/{conversationId}", new { status = "closed" });
        var closed = (await admin.GetFromJsonAsync<JsonObject>("api/conversations?status=closed"))!["items"]!.AsArray();
        using var next = await tenant.Client.ChatAsync("One more thing", new { conversation_id = conversationId });

        Assert.Equal(HttpStatusCode.OK, close.StatusCode);
        Assert.Single(closed);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("open", (await tenant.Client.GetFromJsonAsync<JsonObject>($"api/chat/conversations/{conversationId}"))!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_widget_conversation_says_so_and_bad_channel_or_after_values_are_refused()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Widget tenant.");

        using var widget = await tenant.Client.ChatAsync("Hi from the bubble", new { channel = "widget" });
        using var badChannel = await tenant.Client.ChatAsync("Hi", new { channel = "openai" });
        var conversationId = (await widget.JsonAsync())["conversation_id"]!.GetValue<string>();
        using var badAfter = await tenant.Client.GetAsync($"api/chat/conversations/{conversationId}?after=yesterday");
        var listed = Assert.Single((await admin.GetFromJsonAsync<JsonObject>("api/conversations"))!["items"]!.AsArray());

        Assert.Equal("widget", listed!["channel"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, badChannel.StatusCode);
        Assert.NotNull((await badChannel.JsonAsync())["errors"]!["channel"]);
        Assert.Equal(HttpStatusCode.BadRequest, badAfter.StatusCode);
        Assert.NotNull((await badAfter.JsonAsync())["errors"]!["after"]);
    }
}
