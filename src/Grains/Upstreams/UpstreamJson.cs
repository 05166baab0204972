using System.Text.Json;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Upstreams;

/// <summary>What the JSON chat APIs share: how a conversation is written and how an answer is read safely.</summary>
internal static class UpstreamJson
{
    /// <summary>Earlier turns as user and assistant messages, then the prompt, each <c>{"role", "content"}</c>.</summary>
    public static void WriteConversation(Utf8JsonWriter writer, UpstreamRequest request)
    {
        foreach (ConversationTurn turn in request.Context)
        {
            WriteMessage(writer, "user", turn.Prompt);
            WriteMessage(writer, "assistant", turn.Response);
        }
        WriteMessage(writer, "user", request.Prompt);
    }

    public static void WriteMessage(Utf8JsonWriter writer, string role, string content)
    {
        writer.WriteStartObject();
        writer.WriteString("role", role);
        writer.WriteString("content", content);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Parses <paramref name="json"/> and hands its root to <paramref name="read"/>; JSON that is malformed or not
    /// in the expected shape is an <see cref="UpstreamFailure.Error"/>, and so is an <c>error</c> object in it.
    /// </summary>
    public static T Read<T>(ReadOnlyMemory<byte> json, Func<JsonElement, T> read)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            ThrowIfError(document.RootElement);
            return read(document.RootElement);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException
            or IndexOutOfRangeException or FormatException)
        {
            throw new UpstreamException(UpstreamFailure.Error, "The upstream sent an answer this client cannot read.", e);
        }
    }

    /// <inheritdoc cref="Read{T}(ReadOnlyMemory{byte}, Func{JsonElement, T})"/>
    public static T Read<T>(string json, Func<JsonElement, T> read) => Read(System.Text.Encoding.UTF8.GetBytes(json), read);

    /// <summary>The number at <paramref name="name"/> of an object, or null when it is absent or null.</summary>
    public static int? OptionalInt(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.GetInt32()
            : null;

    /// <summary>The usage object at <c>usage</c>, when the upstream sent one with both counts.</summary>
    public static TokenUsage? Usage(JsonElement root, string promptName, string completionName) =>
        root.TryGetProperty("usage", out var usage)
        && OptionalInt(usage, promptName) is { } prompt && OptionalInt(usage, completionName) is { } completion
            ? new TokenUsage(prompt, completion)
            : null;

    /// <summary>
    /// Both APIs report a failure as an <c>error</c> object, also in the middle of a stream. Only its type goes into
    /// the exception, and only when it looks like an identifier: the upstream's message may quote the request.
    /// </summary>
    private static void ThrowIfError(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("error", out var error) || error.ValueKind == JsonValueKind.Null)
        {
            return;
        }
        var type = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("type", out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
        var named = type is { Length: > 0 and <= 64 } && type.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');
        throw new UpstreamException(UpstreamFailure.Error, named ? $"The upstream reported an error ({type})." : "The upstream reported an error.");
    }
}
