namespace TenantChat.Grains.Models;

/// <summary>A tenant user's reply as stored.</summary>
[GenerateSerializer, Immutable]
public sealed record class AgentReply(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid ConversationId,
    [property: Id(2)] string Text,
    [property: Id(3)] DateTimeOffset CreatedAt);
