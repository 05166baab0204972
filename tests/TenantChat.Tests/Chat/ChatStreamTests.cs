using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Chat;

[Collection(ClusterCollection.Name)]
public sealed class ChatStreamTests(ClusterFixture fixture)
{
    private static HttpRequestMessage StreamRequest(string prompt) =>
        new(HttpMethod.Post, "api/chat/stream") { Content = JsonContent.Create(new { prompt }) };

    /// <summary>Reads SSE <c>data:</c> payloads, stopping after <paramref name="max"/> of them.</summary>
    private static async Task<List<string>> ReadEventsAsync(HttpResponseMessage response, int max = int.MaxValue)
    {
        var events = new List<string>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (events.Count < max && await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(line["data: ".Length..]);
            }
        }
        return events;
    }

    [Fact]
    public async Task A_stream_sends_deltas_then_the_stored_id_and_usage_then_done()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:drip=5] Streaming tenant.");

        using var response = await tenant.Client.SendAsync(StreamRequest("Stream to me"), HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEventsAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("[DONE]", events[^1]);
        var deltas = events[..^2].Select(e => JsonNode.Parse(e)!["delta"]!.GetValue<string>()).ToList();
        Assert.True(deltas.Count > 3, "the answer arrives in pieces");
        var final = JsonNode.Parse(events[^2])!;
        var id = Guid.Parse(final["id"]!.GetValue<string>());
        var total = final["usage"]!["total_tokens"]!.GetValue<long>();
        Assert.NotNull(final["conversation_id"]);

        await using var stored = fixture.Database.CreateCommand("select response, total_tokens from chat_messages where id = @id");
        stored.Parameters.AddWithValue("id", id);
        await using var reader = await stored.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(string.Concat(deltas), reader.GetString(0));
        Assert.Equal(total, reader.GetInt32(1));
        Assert.Equal(total, (await fixture.GetTenantAsync(tenant.Id))["tokens_used"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_caller_who_leaves_mid_stream_is_charged_for_what_was_generated_and_the_partial_answer_is_stored()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:drip=40] [fake:long] Disconnecting tenant.");

        using (var response = await tenant.Client.SendAsync(StreamRequest("Tell me a long story"), HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(3, (await ReadEventsAsync(response, max: 3)).Count);
        }

        JsonObject view;
        var waited = 0;
        do
        {
            await Task.Delay(200);
            view = await fixture.GetTenantAsync(tenant.Id);
        }
        while (view["calls"]!.GetValue<long>() == 0 && (waited += 200) < 10_000);
        await using var stored = fixture.Database.CreateCommand("select response, prompt_tokens, completion_tokens, total_tokens from chat_messages where tenant_id = @id");
        stored.Parameters.AddWithValue("id", tenant.Id);
        await using var reader = await stored.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "the partial answer was stored");
        var partial = reader.GetString(0);
        Assert.StartsWith($"[{TenantChat.Fakes.FakeUpstream.VoiceOf(tenant.SystemPrompt)}]", partial, StringComparison.Ordinal);
        // The full answer has ~2,000 words; the stream was stopped long before.
        Assert.InRange(partial.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length, 3, 400);
        Assert.True(reader.GetInt32(2) < 512, "completion tokens are those of the partial answer");
        Assert.Equal(reader.GetInt32(3), view["tokens_used"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_stream_never_runs_past_the_calls_completion_allowance()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:long] Capped streaming tenant.", customize: body => body["max_output_tokens"] = 30);

        using var response = await tenant.Client.SendAsync(StreamRequest("Everything, please"), HttpCompletionOption.ResponseHeadersRead);
        var events = await ReadEventsAsync(response);

        var usage = JsonNode.Parse(events[^2])!["usage"]!;
        Assert.InRange(usage["completion_tokens"]!.GetValue<int>(), 1, 30);
        Assert.Equal(usage["total_tokens"]!.GetValue<long>(), (await fixture.LedgerAsync(tenant.Id)).Tokens);
    }

    [Fact]
    public async Task A_refused_stream_is_a_plain_problem_response()
    {
        var broke = await fixture.CreateTenantAsync("Broke streaming tenant.", tokenLimit: 5);
        var failing = await fixture.CreateTenantAsync("[fake:500] Failing streaming tenant.");

        using var overBudget = await broke.Client.SendAsync(StreamRequest("Hello"));
        using var upstreamDown = await failing.Client.SendAsync(StreamRequest("Hello"));
        using var empty = await broke.Client.PostAsync("api/chat/stream", new StringContent("{\"prompt\":\"\"}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.TooManyRequests, overBudget.StatusCode);
        Assert.Equal("token_limit_exceeded", (await overBudget.JsonAsync())["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadGateway, upstreamDown.StatusCode);
        Assert.Equal("upstream_error", (await upstreamDown.JsonAsync())["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(0, (await fixture.LedgerAsync(failing.Id)).Messages);
        Assert.Equal(0, (await fixture.GetTenantAsync(failing.Id))["tokens_used"]!.GetValue<long>());
    }
}
