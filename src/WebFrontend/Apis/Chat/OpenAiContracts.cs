using System.Text.Json.Serialization;

namespace TenantChat.WebFrontend.Apis.Chat;

// The request and response bodies of OpenAiCompatibleApi, in OpenAI's shapes.

/// <summary>The subset of OpenAI's chat completions request that the tenant route honours.</summary>
public sealed record class ChatCompletionBody(
    string? Model,
    IReadOnlyList<ChatCompletionMessage>? Messages,
    int? Seed,
    [property: JsonPropertyName("max_tokens")] int? MaxTokens,
    [property: JsonPropertyName("max_completion_tokens")] int? MaxCompletionTokens,
    bool? Stream,
    [property: JsonPropertyName("stream_options")] StreamOptions? StreamOptions);

public sealed record class StreamOptions([property: JsonPropertyName("include_usage")] bool? IncludeUsage);

/// <summary>A message; <see cref="Content"/> is a string, or an array of parts of which the text parts are read.</summary>
public sealed record class ChatCompletionMessage(string? Role, System.Text.Json.JsonElement? Content);

public sealed record class CompletionUsage(int PromptTokens, int CompletionTokens, int TotalTokens);

public sealed record class AssistantMessage(string Role, string Content);

public sealed record class CompletionChoice(int Index, AssistantMessage Message, string FinishReason);

/// <summary>
/// A completion; <see cref="Handoff"/> and <see cref="ConversationId"/> appear only when the prompt asked for a person
/// (the content is then empty; the visitor's transcript is at <c>/api/chat/conversations/{conversation_id}</c>).
/// </summary>
public sealed record class ChatCompletion(string Id, [property: JsonPropertyName("object")] string Kind, long Created, string Model, IReadOnlyList<CompletionChoice> Choices, CompletionUsage Usage)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Handoff { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Guid? ConversationId { get; init; }
}

public sealed record class ModelCard(string Id, [property: JsonPropertyName("object")] string Kind, long Created, string OwnedBy);

public sealed record class ModelList([property: JsonPropertyName("object")] string Kind, IReadOnlyList<ModelCard> Data);
