namespace TenantChat.Grains.Models;

/// <summary>A validated chat call. <see cref="Model"/> and <see cref="Seed"/> fall back to the tenant's own.</summary>
[GenerateSerializer, Immutable]
public sealed record class ChatRequest(
    [property: Id(0)] string Prompt,
    [property: Id(1)] string? Model,
    [property: Id(2)] int? Seed,
    [property: Id(3)] Guid? ConversationId);
