using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace TenantChat.Grains.Upstreams;

/// <summary>
/// An OpenAI-compatible chat completions API: <c>POST {base}/chat/completions</c>, where the base is like
/// <c>https://api.openai.com/v1</c>. The key travels as a bearer token, set on the HttpClient at registration.
/// </summary>
public sealed class OpenAiChatClient(HttpClient http, IOptions<AiOptions> options) : IChatClient
{
    private readonly JsonEndpoint _endpoint = new(http, "chat/completions", options.Value);

    public Task<UpstreamReply> CompleteAsync(UpstreamRequest request, CancellationToken cancellationToken = default) =>
        _endpoint.PostAsync(writer => WriteBody(writer, request, stream: false), root => new UpstreamReply(
            root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString() ?? "",
            UpstreamJson.Usage(root, "prompt_tokens", "completion_tokens")), cancellationToken);

    /// <summary>
    /// Asks for usage in the stream, which then arrives in a last chunk with no choices before <c>[DONE]</c>. A stream
    /// that ends without <c>[DONE]</c> was cut off, and its answer may be too.
    /// </summary>
    public async IAsyncEnumerable<UpstreamChunk> StreamAsync(UpstreamRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var events = await _endpoint.StreamAsync(writer => WriteBody(writer, request, stream: true), cancellationToken);
        while (await events.ReadDataAsync() is var data && data != "[DONE]")
        {
            if (UpstreamJson.Read(data, ReadChunk) is { } chunk)
            {
                yield return chunk;
            }
        }
    }

    /// <summary>A chunk's text and usage; null for chunks that carry neither, such as the opening role-only one.</summary>
    private static UpstreamChunk? ReadChunk(JsonElement root)
    {
        var delta = root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0
            && choices[0].TryGetProperty("delta", out var choice) && choice.TryGetProperty("content", out var content)
            ? content.GetString() ?? ""
            : "";
        var usage = UpstreamJson.Usage(root, "prompt_tokens", "completion_tokens");
        return delta.Length > 0 || usage is not null ? new UpstreamChunk(delta, usage) : null;
    }

    private static void WriteBody(Utf8JsonWriter writer, UpstreamRequest request, bool stream)
    {
        writer.WriteStartObject();
        writer.WriteString("model", request.Model);
        writer.WriteStartArray("messages");
        if (request.SystemPrompt.Length > 0)
        {
            UpstreamJson.WriteMessage(writer, "system", request.SystemPrompt);
        }
        UpstreamJson.WriteConversation(writer, request);
        writer.WriteEndArray();
        if (request.Seed is { } seed)
        {
            writer.WriteNumber("seed", seed);
        }
        writer.WriteNumber("max_tokens", request.MaxOutputTokens);
        if (stream)
        {
            writer.WriteBoolean("stream", true);
            writer.WriteStartObject("stream_options");
            writer.WriteBoolean("include_usage", true);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }
}
