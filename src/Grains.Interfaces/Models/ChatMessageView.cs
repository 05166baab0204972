namespace TenantChat.Grains.Models;

/// <summary>
/// A stored exchange as the tenant's users read it back: <see cref="Provider"/> is the configured upstream that
/// answered (null on messages stored before it was recorded), <see cref="Cached"/> whether the tenant's response
/// cache did, <see cref="Handoff"/> whether it went to a person instead of the AI, <see cref="Erased"/> whether its
/// conversation was erased (its text is gone, its tokens stay in the ledger).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class ChatMessageView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid ConversationId,
    [property: Id(2)] string Prompt,
    [property: Id(3)] string Response,
    [property: Id(4)] string Model,
    [property: Id(5)] int? Seed,
    [property: Id(6)] TokenUsage Usage,
    [property: Id(7)] DateTimeOffset CreatedAt,
    [property: Id(8)] string? Upstream = null,
    [property: Id(9)] bool Cached = false,
    [property: Id(10)] bool Handoff = false,
    [property: Id(11)] bool Erased = false);
