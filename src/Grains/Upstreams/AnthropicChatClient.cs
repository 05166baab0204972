using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Upstreams;

/// <summary>
/// Anthropic's Messages API: <c>POST {base}/v1/messages</c>, where the base is like <c>https://api.anthropic.com</c>.
/// The API has no seed parameter, so a tenant's seed cannot make its answers repeatable here and is not sent.
/// </summary>
public sealed class AnthropicChatClient(HttpClient http, IOptions<AiOptions> options) : IChatClient
{
    private const string ApiVersion = "2023-06-01";

    private readonly JsonEndpoint _endpoint = new(http, "v1/messages", options.Value);

    /// <summary>The key goes in <c>x-api-key</c>, not as a bearer token; the version header is required.</summary>
    public static void SetHeaders(HttpRequestHeaders headers, string? apiKey)
    {
        if (!string.IsNullOrEmpty(apiKey))
        {
            headers.Add("x-api-key", apiKey);
        }
        headers.Add("anthropic-version", ApiVersion);
    }

    public Task<UpstreamReply> CompleteAsync(UpstreamRequest request, CancellationToken cancellationToken = default) =>
        _endpoint.PostAsync(writer => WriteBody(writer, request, stream: false), root => new UpstreamReply(
            TextOf(root.GetProperty("content")),
            UpstreamJson.Usage(root, "input_tokens", "output_tokens")), cancellationToken);

    /// <summary>
    /// Text comes in <c>content_block_delta</c> events; input tokens in <c>message_start</c>, output tokens in
    /// <c>message_delta</c>, and they are reported together on the chunk for <c>message_stop</c>, the end marker.
    /// </summary>
    public async IAsyncEnumerable<UpstreamChunk> StreamAsync(UpstreamRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var events = await _endpoint.StreamAsync(writer => WriteBody(writer, request, stream: true), cancellationToken);
        int? inputTokens = null;
        int? outputTokens = null;
        while (true)
        {
            var (type, text, input, output) = UpstreamJson.Read(await events.ReadDataAsync(), ReadEvent);
            inputTokens = input ?? inputTokens;
            outputTokens = output ?? outputTokens;
            if (type == "message_stop")
            {
                yield return new UpstreamChunk("", inputTokens is { } i && outputTokens is { } o ? new TokenUsage(i, o) : null);
                yield break;
            }
            if (text is { Length: > 0 })
            {
                yield return new UpstreamChunk(text);
            }
        }
    }

    /// <summary>
    /// What one event contributes. The output count of <c>message_start</c> is only a placeholder; counts in
    /// <c>message_delta</c> are cumulative, so they replace any earlier ones. An <c>error</c> event never gets
    /// here: <see cref="UpstreamJson.Read{T}(string, Func{JsonElement, T})"/> throws for it.
    /// </summary>
    private static (string? Type, string? Text, int? InputTokens, int? OutputTokens) ReadEvent(JsonElement root)
    {
        var type = root.GetProperty("type").GetString();
        return type switch
        {
            "message_start" when root.GetProperty("message").TryGetProperty("usage", out var usage) =>
                (type, null, UpstreamJson.OptionalInt(usage, "input_tokens"), null),
            "content_block_delta" when root.GetProperty("delta") is var delta && delta.GetProperty("type").GetString() == "text_delta" =>
                (type, delta.GetProperty("text").GetString(), null, null),
            "message_delta" when root.TryGetProperty("usage", out var usage) =>
                (type, null, UpstreamJson.OptionalInt(usage, "input_tokens"), UpstreamJson.OptionalInt(usage, "output_tokens")),
            _ => (type, null, null, null),
        };
    }

    /// <summary>The text blocks of an answer, in order; other kinds of block (thinking, tool use) are not answer text.</summary>
    private static string TextOf(JsonElement content)
    {
        var text = new StringBuilder();
        foreach (var block in content.EnumerateArray())
        {
            if (block.GetProperty("type").GetString() == "text")
            {
                text.Append(block.GetProperty("text").GetString());
            }
        }
        return text.ToString();
    }

    private static void WriteBody(Utf8JsonWriter writer, UpstreamRequest request, bool stream)
    {
        writer.WriteStartObject();
        writer.WriteString("model", request.Model);
        // Required by this API, unlike OpenAI's.
        writer.WriteNumber("max_tokens", request.MaxOutputTokens);
        if (request.SystemPrompt.Length > 0)
        {
            writer.WriteString("system", request.SystemPrompt);
        }
        writer.WriteStartArray("messages");
        UpstreamJson.WriteConversation(writer, request);
        writer.WriteEndArray();
        if (stream)
        {
            writer.WriteBoolean("stream", true);
        }
        writer.WriteEndObject();
    }
}
