using System.Collections.Immutable;

namespace TenantChat.Grains.Models;

/// <summary>
/// A validated chat call. <see cref="Model"/> and <see cref="Seed"/> fall back to the tenant's own.
/// <see cref="RequestId"/> becomes the stored message's id, so a retried request (<see cref="IsRetry"/>) that was
/// already stored is answered from storage instead of being run and charged twice. <see cref="Context"/> carries
/// earlier turns the caller sends itself (the OpenAI-compatible route) instead of a stored conversation, and
/// <see cref="MaxOutputTokens"/> a caller's own cap below the tenant's. <see cref="Handoff"/> asks for a person instead
/// of the AI; <see cref="Channel"/> is where a new conversation says it started.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class ChatRequest(
    [property: Id(0)] string Prompt,
    [property: Id(1)] string? Model,
    [property: Id(2)] int? Seed,
    [property: Id(3)] Guid? ConversationId,
    [property: Id(4)] Guid RequestId,
    [property: Id(5)] bool IsRetry = false,
    [property: Id(6)] ImmutableArray<ConversationTurn>? Context = null,
    [property: Id(7)] int? MaxOutputTokens = null,
    [property: Id(8)] bool Handoff = false,
    [property: Id(9)] ConversationChannel Channel = ConversationChannel.Api);
