using System.Text.Json;
using TenantChat.Grains.Models;
using TenantChat.Grains.Upstreams;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Upstreams;

public sealed class OpenAiChatClientTests
{
    private const string Completion = """
        {"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Sky is blue."},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":21,"completion_tokens":4,"total_tokens":25}}
        """;

    private static readonly UpstreamRequest Request = new(
        "Explain like I'm five", [new ConversationTurn("Hi", "Hello!"), new ConversationTurn("Who are you?", "A helper.")],
        "Why is the sky blue?", "gpt-test", 42, 128);

    private static IChatClient Client(RecordingServer server, string? apiKey = null, double timeoutSeconds = 10) =>
        UpstreamClients.Create("openai", new Uri(server.BaseUrl, "/v1"), apiKey, timeoutSeconds);

    private static string[] Field(JsonElement body, string name) =>
        [.. body.GetProperty("messages").EnumerateArray().Select(message => message.GetProperty(name).GetString()!)];

    [Fact]
    public async Task A_call_posts_model_system_turns_prompt_seed_and_max_tokens_with_the_bearer_key()
    {
        await using var server = await RecordingServer.StartAsync(context => RecordingServer.SendJsonAsync(context, Completion));

        await Client(server, apiKey: "sk-test").CompleteAsync(Request);

        var sent = Assert.Single(server.Requests);
        var body = sent.Json();
        Assert.Equal(("POST", "/v1/chat/completions"), (sent.Method, sent.Target));
        Assert.Equal("Bearer sk-test", sent.Header("Authorization"));
        Assert.StartsWith("application/json", sent.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal("gpt-test", body.GetProperty("model").GetString());
        Assert.Equal(["system", "user", "assistant", "user", "assistant", "user"], Field(body, "role"));
        Assert.Equal(["Explain like I'm five", "Hi", "Hello!", "Who are you?", "A helper.", "Why is the sky blue?"], Field(body, "content"));
        Assert.Equal(42, body.GetProperty("seed").GetInt32());
        Assert.Equal(128, body.GetProperty("max_tokens").GetInt32());
        Assert.False(body.TryGetProperty("stream", out _));
    }

    [Fact]
    public async Task Without_a_seed_a_key_or_a_system_parameter_none_of_them_is_sent()
    {
        await using var server = await RecordingServer.StartAsync(context => RecordingServer.SendJsonAsync(context, Completion));

        await Client(server).CompleteAsync(Request with { Seed = null, SystemPrompt = "" });

        var sent = Assert.Single(server.Requests);
        Assert.False(sent.Json().TryGetProperty("seed", out _));
        Assert.Null(sent.Header("Authorization"));
        Assert.DoesNotContain("system", Field(sent.Json(), "role"));
    }

    [Fact]
    public async Task A_completion_returns_the_message_content_and_the_reported_usage()
    {
        await using var server = await RecordingServer.StartAsync(context => RecordingServer.SendJsonAsync(context, Completion));

        var reply = await Client(server).CompleteAsync(Request);

        Assert.Equal("Sky is blue.", reply.Text);
        Assert.Equal(new TokenUsage(21, 4), reply.ReportedUsage);
    }

    [Fact]
    public async Task A_stream_asks_for_usage_and_yields_deltas_then_usage_until_done()
    {
        await using var server = await RecordingServer.StartAsync(context => RecordingServer.SendEventStreamAsync(context,
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}],\"usage\":null}\n\n",
            ": keep-alive\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Sky \"}}],\"usage\":null}\r\n\r\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"is bl",
            "ue.\"}}],\"usage\":null}\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":21,\"completion_tokens\":4,\"total_tokens\":25}}\n\n",
            "data: [DONE]\n\n"));

        var chunks = await Client(server).StreamAsync(Request).ToListAsync();

        var body = Assert.Single(server.Requests).Json();
        Assert.True(body.GetProperty("stream").GetBoolean());
        Assert.True(body.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal(["Sky ", "is blue.", ""], chunks.Select(chunk => chunk.Delta));
        Assert.Equal(new TokenUsage(21, 4), chunks[^1].Usage);
        Assert.All(chunks.SkipLast(1), chunk => Assert.Null(chunk.Usage));
    }

    [Fact]
    public async Task An_error_in_the_middle_of_a_stream_fails_without_repeating_the_upstream_message()
    {
        await using var server = await RecordingServer.StartAsync(context => RecordingServer.SendEventStreamAsync(context,
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Sky \"}}]}\n\n",
            "data: {\"error\":{\"message\":\"Overloaded while answering: Why is the sky blue?\",\"type\":\"server_error\"}}\n\n"));

        var (received, failure) = await Client(server).StreamAsync(Request).ReadUntilFailureAsync();

        Assert.Equal(UpstreamFailure.Error, failure.Failure);
        Assert.Equal(["Sky "], received);
        Assert.Contains("server_error", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sky", failure.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_stream_that_ends_without_done_is_an_error()
    {
        await using var server = await RecordingServer.StartAsync(context => RecordingServer.SendEventStreamAsync(context,
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Sky \"}}]}\n\n"));

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => Client(server).StreamAsync(Request).ToListAsync().AsTask());

        Assert.Equal(UpstreamFailure.Error, failure.Failure);
    }

    [Fact]
    public async Task A_connection_that_breaks_in_the_middle_of_a_stream_is_an_error()
    {
        await using var server = await RecordingServer.StartAsync(async context =>
        {
            await RecordingServer.SendEventStreamAsync(context, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Sky \"}}]}\n\n");
            context.Abort();
        });

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => Client(server).StreamAsync(Request).ToListAsync().AsTask());

        Assert.Equal(UpstreamFailure.Error, failure.Failure);
        Assert.IsAssignableFrom<IOException>(failure.InnerException);
    }

    [Fact]
    public async Task A_stream_that_stalls_after_its_headers_times_out()
    {
        await using var server = await RecordingServer.StartAsync(async context =>
        {
            await RecordingServer.SendEventStreamAsync(context, "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Sky \"}}]}\n\n");
            await RecordingServer.StallAsync(context);
        });

        var (received, failure) = await Client(server, timeoutSeconds: 0.5).StreamAsync(Request).ReadUntilFailureAsync();

        Assert.Equal(UpstreamFailure.Timeout, failure.Failure);
        Assert.Equal(["Sky "], received);
    }

    [Fact]
    public async Task A_server_error_is_retried_then_reported_as_an_upstream_error()
    {
        await using var server = await RecordingServer.StartAsync(RecordingServer.Status(500));

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => Client(server).CompleteAsync(Request));

        Assert.Equal(UpstreamFailure.Error, failure.Failure);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task An_answer_in_an_unexpected_shape_is_an_upstream_error()
    {
        await using var server = await RecordingServer.StartAsync(context => RecordingServer.SendJsonAsync(context, """{"choices":"none"}"""));

        var failure = await Assert.ThrowsAsync<UpstreamException>(() => Client(server).CompleteAsync(Request));

        Assert.Equal(UpstreamFailure.Error, failure.Failure);
    }
}
