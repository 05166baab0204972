namespace TenantChat.Grains.Models;

/// <summary>A stored exchange as the tenant's users read it back.</summary>
[GenerateSerializer, Immutable]
public sealed record class ChatMessageView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid ConversationId,
    [property: Id(2)] string Prompt,
    [property: Id(3)] string Response,
    [property: Id(4)] string Model,
    [property: Id(5)] int? Seed,
    [property: Id(6)] TokenUsage Usage,
    [property: Id(7)] DateTimeOffset CreatedAt);
