using System.Net;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Chat;

[Collection(ClusterCollection.Name)]
public sealed class ConversationTests(ClusterFixture fixture)
{
    [Fact]
    public async Task A_second_call_in_a_conversation_sends_the_first_exchange_and_counts_it()
    {
        var tenant = await fixture.CreateTenantAsync("Conversation tenant.");
        using var first = await tenant.Client.ChatAsync("My name is Ada.");
        var firstBody = await first.JsonAsync();
        var conversationId = firstBody["conversation_id"]!.GetValue<string>();

        using var second = await tenant.Client.ChatAsync("What is my name?", new { conversation_id = conversationId });

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var secondBody = await second.JsonAsync();
        Assert.Equal(conversationId, secondBody["conversation_id"]!.GetValue<string>());
        var calls = fixture.Upstream.CallsFor(tenant.SystemPrompt);
        Assert.Equal(2, calls.Count);
        Assert.Contains("My name is Ada.", calls[1].Prompt, StringComparison.Ordinal);
        Assert.Contains(firstBody["response"]!.GetValue<string>(), calls[1].Prompt, StringComparison.Ordinal);
        Assert.EndsWith("What is my name?", calls[1].Prompt, StringComparison.Ordinal);
        Assert.True(secondBody["usage"]!["prompt_tokens"]!.GetValue<int>() > firstBody["usage"]!["prompt_tokens"]!.GetValue<int>() + 10);
    }

    [Fact]
    public async Task Another_tenants_conversation_id_is_404_and_reaches_no_upstream()
    {
        var owner = await fixture.CreateTenantAsync("Owner tenant.");
        var intruder = await fixture.CreateTenantAsync("Intruder tenant.");
        using var first = await owner.Client.ChatAsync("A private conversation.");
        var conversationId = (await first.JsonAsync())["conversation_id"]!.GetValue<string>();

        using var response = await intruder.Client.ChatAsync("Continue it", new { conversation_id = conversationId });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", (await response.JsonAsync())["code"]!.GetValue<string>());
        Assert.Empty(fixture.Upstream.CallsFor(intruder.SystemPrompt));
    }

    [Fact]
    public async Task An_unknown_conversation_id_is_404()
    {
        var tenant = await fixture.CreateTenantAsync("Unknown conversation tenant.");

        using var response = await tenant.Client.ChatAsync("Hi", new { conversation_id = Guid.NewGuid() });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(0, (await fixture.LedgerAsync(tenant.Id)).Messages);
    }
}
