namespace TenantChat.Grains.Models;

/// <summary>
/// A stored exchange, as the caller receives it; <see cref="Cached"/> when the tenant's response cache answered,
/// <see cref="Handoff"/> when the conversation waits for a person (no answer, nothing charged).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class ChatReply(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid ConversationId,
    [property: Id(2)] string Response,
    [property: Id(3)] string Model,
    [property: Id(4)] int? Seed,
    [property: Id(5)] TokenUsage Usage,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] bool Cached = false,
    [property: Id(8)] bool Handoff = false);
