namespace TenantChat.Grains.Models;

/// <summary>A conversation as the tenant's users list it: no text, only where it stands.</summary>
[GenerateSerializer, Immutable]
public sealed record class ConversationView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] ConversationStatus Status,
    [property: Id(2)] ConversationChannel Channel,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset LastMessageAt,
    [property: Id(5)] int MessageCount);
