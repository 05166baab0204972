using TenantChat.Grains.Models;
using TenantChat.Grains.Upstreams;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Upstreams;

public sealed class AnthropicChatClientTests
{
    private const string Message = """
        {"id":"msg_1","type":"message","role":"assistant","model":"claude-test",
         "content":[{"type":"text","text":"Sky is "},{"type":"tool_use","id":"t1","name":"x","input":{}},{"type":"text","text":"blue."}],
         "stop_reason":"end_turn","usage":{"input_tokens":19,"output_tokens":5}}
        """;

    private static readonly UpstreamRequest Request = new(
        "Explain like I'm five", [new ConversationTurn("Hi", "Hello!")], "Why is the sky blue?", "claude-test", 42, 256);

    private static IChatClient Client(RecordingServer server, string? apiKey = "sk-ant-test") =>
        UpstreamClients.Create("anthropic", server.BaseUrl, apiKey);

    private static string Event(string name, string data) => $"event: {name}\ndata: {data}\n\n";

    [Fact]
    public async Task A_call_posts_model_system_alternating_messages_and_max_tokens_with_the_api_key_headers()
    {
        await using var server = await RecordingServer.StartAsync(context => RecordingServer.SendJsonAsync(context, Message));

        await Client(server).CompleteAsync(Request);

        var sent = Assert.Single(server.Requests);
        var body = sent.Json();
        Assert.Equal(("POST", "/v1/messages"), (sent.Method, sent.Target));
        Assert.Equal("sk-ant-test", sent.Header("x-api-key"));
        Assert.Equal("2023-06-01", sent.Header("anthropic-version"));
        Assert.Null(sent.Header("Authorization"));
        Assert.Equal("claude-test", body.GetProperty("model").GetString());
        Assert.Equal("Explain like I'm five", body.GetProperty("system").GetString());
        Assert.Equal(256, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal(
            [("user", "Hi"), ("assistant", "Hello!"), ("user", "Why is the sky blue?")],
            body.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())));
        Assert.False(body.TryGetProperty("seed", out _));
        Assert.False(body.TryGetProperty("stream", out _));
    }

    [Fact]
    public async Task A_message_returns_its_text_blocks_joined_and_the_reported_usage()
    {
        await using var server = await RecordingServer.StartAsync(context => RecordingServer.SendJsonAsync(context, Message));

        var reply = await Client(server).CompleteAsync(Request);

        Assert.Equal("Sky is blue.", reply.Text);
        Assert.Equal(new TokenUsage(19, 5), reply.ReportedUsage);
    }

    [Fact]
    public async Task A_stream_yields_text_deltas_then_input_and_output_usage_at_message_stop()
    {
        await using var server = await RecordingServer.StartAsync(context => RecordingServer.SendEventStreamAsync(context,
            Event("message_start", """{"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":19,"output_tokens":1}}}"""),
            Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"""),
            Event("ping", """{"type": "ping"}"""),
            Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Sky is "}}"""),
            Event("content_block_delta", """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{}"}}"""),
            Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"blue."}}"""),
            Event("content_block_stop", """{"type":"content_block_stop","index":0}"""),
            Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":5}}"""),
            Event("message_stop", """{"type":"message_stop"}""")));

        var chunks = await Client(server).StreamAsync(Request).ToListAsync();

        Assert.True(Assert.Single(server.Requests).Json().GetProperty("stream").GetBoolean());
        Assert.Equal(["Sky is ", "blue.", ""], chunks.Select(chunk => chunk.Delta));
        Assert.Equal(new TokenUsage(19, 5), chunks[^1].Usage);
        Assert.All(chunks.SkipLast(1), chunk => Assert.Null(chunk.Usage));
    }

    [Fact]
    public async Task An_error_event_in_the_middle_of_a_stream_fails_the_call()
    {
        await using var server = await RecordingServer.StartAsync(context => RecordingServer.SendEventStreamAsync(context,
            Event("message_start", """{"type":"message_start","message":{"usage":{"input_tokens":19}}}"""),
            Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Sky "}}"""),
            Event("error", """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""")));

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => Client(server).StreamAsync(Request).ToListAsync().AsTask());

        Assert.Equal(UpstreamFailure.Error, failure.Failure);
        Assert.Contains("overloaded_error", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_that_ends_before_message_stop_is_an_error()
    {
        await using var server = await RecordingServer.StartAsync(context => RecordingServer.SendEventStreamAsync(context,
            Event("message_start", """{"type":"message_start","message":{"usage":{"input_tokens":19}}}"""),
            Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Sky "}}""")));

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => Client(server).StreamAsync(Request).ToListAsync().AsTask());

        Assert.Equal(UpstreamFailure.Error, failure.Failure);
    }

    [Fact]
    public async Task An_overloaded_upstream_is_retried_then_a_stream_fails_as_an_upstream_error()
    {
        await using var server = await RecordingServer.StartAsync(RecordingServer.Status(529));

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => Client(server).StreamAsync(Request).ToListAsync().AsTask());

        Assert.Equal(UpstreamFailure.Error, failure.Failure);
        Assert.Equal(2, server.Requests.Count);
        Assert.DoesNotContain("sk-ant-test", failure.Message, StringComparison.Ordinal);
    }

}
