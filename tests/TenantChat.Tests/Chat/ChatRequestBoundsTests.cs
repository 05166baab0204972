using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using TenantChat.Tests.Infrastructure;
using TenantChat.WebFrontend.Requests;

namespace TenantChat.Tests.Chat;

/// <summary>
/// Issue 17, findings 2 and 3: a chat request is bounded before any work (body size, message count, each message's
/// length), and a <c>/v1</c> conversation is held to the tenant's context limit like a stored one.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ChatRequestBoundsTests(ClusterFixture fixture)
{
    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string Messages(int count, string content) =>
        "{\"model\":\"openai\",\"messages\":[" + string.Join(",", Enumerable.Repeat($"{{\"role\":\"user\",\"content\":\"{content}\"}}", count)) + "]}";

    [Theory]
    [InlineData("hi")] // about 620 KB: under the body limit, over the message count
    [InlineData("a short message of about forty characters")] // about 1.3 MB: over the body limit
    public async Task Twenty_thousand_messages_are_refused_at_once_and_nothing_is_stored_or_charged(string content)
    {
        var tenant = await fixture.CreateTenantAsync("Many messages tenant.");
        var stopwatch = Stopwatch.StartNew();

        using var response = await tenant.Client.PostAsync("v1/chat/completions", Json(Messages(20_000, content)));

        stopwatch.Stop();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.JsonAsync())["error"]!;
        Assert.Equal("validation_failed", error["code"]!.GetValue<string>());
        Assert.Equal(content == "hi" ? "messages" : "body", error["param"]!.GetValue<string>());
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(2), $"refused after {stopwatch.Elapsed}");
        Assert.Empty(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        Assert.Equal((0, 0), await fixture.LedgerAsync(tenant.Id));
        Assert.Equal(0, (await fixture.GetTenantAsync(tenant.Id))["tokens_used"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_chat_body_over_the_limit_is_refused_naming_the_body()
    {
        var tenant = await fixture.CreateTenantAsync("Big body tenant.");

        using var response = await tenant.Client.PostAsync("api/chat/call", Json($"{{\"prompt\":\"{new string('x', 1_100_000)}\"}}"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("validation_failed", problem["code"]!.GetValue<string>());
        Assert.Contains("1048576 bytes", problem["errors"]!["body"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(fixture.Upstream.CallsFor(tenant.SystemPrompt));
    }

    [Fact]
    public async Task A_body_sent_without_its_length_is_read_whole_through_a_growing_buffer()
    {
        var tenant = await fixture.CreateTenantAsync("Unsized body tenant.");
        var prompt = new string('é', 7_000); // about 14 KB, read in several pieces
        using var content = new UnsizedContent(Encoding.UTF8.GetBytes($"{{\"prompt\":\"{prompt}\"}}"));

        using var response = await tenant.Client.PostAsync("api/chat/call", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(prompt, Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt)).Prompt);
    }

    [Fact]
    public async Task A_body_sent_without_its_length_is_refused_once_the_bytes_read_pass_the_limit()
    {
        var tenant = await fixture.CreateTenantAsync("Unsized big body tenant.");
        // Ten bytes over: the refusal leaves almost nothing unread, so the in-memory client's copy of the body ends.
        const string open = "{\"prompt\":\"", close = "\"}";
        var body = open + new string('x', JsonBodyLimit.Default + 10 - open.Length - close.Length) + close;
        using var content = new UnsizedContent(Encoding.UTF8.GetBytes(body));

        using var response = await tenant.Client.PostAsync("api/chat/call", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Contains("1048576 bytes", problem["errors"]!["body"]![0]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        Assert.Equal((0, 0), await fixture.LedgerAsync(tenant.Id));
    }

    /// <summary>A JSON body whose length the request does not announce (no Content-Length), as a streaming client sends it.</summary>
    private sealed class UnsizedContent : HttpContent
    {
        private readonly byte[] _bytes;

        public UnsizedContent(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = new("application/json");
        }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => stream.WriteAsync(_bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Fact]
    public async Task The_most_messages_allowed_are_accepted()
    {
        var tenant = await fixture.CreateTenantAsync("Most messages tenant.", customize: body => body["max_output_tokens"] = 16);

        using var response = await tenant.Client.PostAsync("v1/chat/completions", Json(Messages(500, "hi")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task V1_context_keeps_only_the_tenants_max_context_turns_most_recent_turns()
    {
        var tenant = await fixture.CreateTenantAsync("V1 context limit tenant.", customize: body => body["max_context_turns"] = 2);
        var messages = new List<object> { new { role = "system", content = "Be brief." } };
        for (var turn = 1; turn <= 4; turn++)
        {
            messages.Add(new { role = "user", content = $"question {turn}" });
            messages.Add(new { role = "assistant", content = $"answer {turn}" });
        }
        messages.Add(new { role = "user", content = "last question" });

        using var response = await tenant.Client.PostAsJsonAsync("v1/chat/completions", new { model = "openai", messages });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var call = Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        Assert.Equal("User: question 3\nAssistant: answer 3\nUser: question 4\nAssistant: answer 4\nUser: last question", call.Prompt);
    }

    [Fact]
    public async Task A_v1_context_message_longer_than_a_prompt_is_refused_naming_it()
    {
        var tenant = await fixture.CreateTenantAsync("V1 long context tenant.");
        var messages = new object[]
        {
            new { role = "user", content = "short" },
            new { role = "assistant", content = new string('y', 20_000) },
            new { role = "user", content = "and now?" },
        };

        using var response = await tenant.Client.PostAsJsonAsync("v1/chat/completions", new { model = "openai", messages });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.JsonAsync())["error"]!;
        Assert.Equal("messages[1].content", error["param"]!.GetValue<string>());
        Assert.Contains("8000", error["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(fixture.Upstream.CallsFor(tenant.SystemPrompt));
    }

    [Theory]
    [InlineData("""{"model": "openai", "messages": [null]}""", "messages[0]")]
    [InlineData("""{"model": "openai", "messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]}""", "messages[0].content[0].text")]
    [InlineData("""{"model": "openai", "messages": [{"role": "user", "content": [{"type": 5, "text": "hi"}]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"model": "openai", "messages": [{"role": "user", "content": ["hi"]}]}""", "messages[0].content[0].type")]
    [InlineData("""{"model": "openai", "messages": [{"role": "user", "content": {"text": "hi"}}]}""", "messages[0].content")]
    [InlineData("""{"model": "openai", "messages": [{"role": 5, "content": "hi"}]}""", "messages[0].role")]
    [InlineData("""{"model": "openai", "messages": "hi"}""", "messages")]
    public async Task Malformed_v1_messages_are_400_naming_the_field(string body, string field)
    {
        var tenant = await fixture.CreateTenantAsync("V1 shape tenant.");

        using var response = await tenant.Client.PostAsync("v1/chat/completions", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.JsonAsync())["error"]!;
        Assert.Equal("validation_failed", error["code"]!.GetValue<string>());
        Assert.Equal(field, error["param"]!.GetValue<string>());
        Assert.Empty(fixture.Upstream.CallsFor(tenant.SystemPrompt));
    }
}
