using TenantChat.Grains.Models;

namespace TenantChat.WebFrontend.Apis.Chat;

// The request and response bodies of ChatApi (the stream's events are ChatStreaming's).

/// <summary>
/// Body of <c>POST /api/chat/call</c>. Everything is optional here so that validation can say what is wrong.
/// <see cref="Handoff"/> asks for a person; <see cref="Channel"/> (<c>api</c>, the default, or <c>widget</c>) is where a
/// new conversation says it started.
/// </summary>
public sealed record class ChatCallBody(string? Prompt, string? Model, int? Seed, string? ConversationId, bool? Handoff = null, string? Channel = null);

public sealed record class UsageBody(int PromptTokens, int CompletionTokens, int TotalTokens)
{
    public static UsageBody From(TokenUsage usage) => new(usage.PromptTokens, usage.CompletionTokens, usage.TotalTokens);
}

/// <summary>
/// The answer to a chat call; <see cref="Cached"/> when the tenant's response cache gave it, <see cref="Handoff"/> when
/// the conversation waits for a person (empty response); both charge nothing.
/// </summary>
public sealed record class ChatCallResponse(
    Guid Id, Guid ConversationId, string Response, string Model, int? Seed, UsageBody Usage, DateTimeOffset CreatedAt, bool Cached, bool Handoff)
{
    public static ChatCallResponse From(ChatReply reply) => new(reply.Id, reply.ConversationId, reply.Response, reply.Model, reply.Seed,
        UsageBody.From(reply.Usage), reply.CreatedAt, reply.Cached, reply.Handoff);
}

/// <summary>
/// A stored exchange: <see cref="Provider"/> is the configured upstream that answered, <see cref="Cached"/> whether the
/// cache did, <see cref="Handoff"/> whether it went to a person, <see cref="Erased"/> whether its text was erased.
/// </summary>
public sealed record class ChatMessageResponse(
    Guid Id, Guid ConversationId, string Prompt, string Response, string Model, int? Seed, UsageBody Usage, DateTimeOffset CreatedAt,
    string? Provider, bool Cached, bool Handoff, bool Erased)
{
    public static ChatMessageResponse From(ChatMessageView message) => new(message.Id, message.ConversationId, message.Prompt,
        message.Response, message.Model, message.Seed, UsageBody.From(message.Usage), message.CreatedAt, message.Upstream, message.Cached,
        message.Handoff, message.Erased);
}
