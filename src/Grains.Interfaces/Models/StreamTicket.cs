using System.Collections.Immutable;

namespace TenantChat.Grains.Models;

/// <summary>
/// An admitted streaming call: what to send upstream, where (<see cref="Routes"/>: the provider, then its
/// fallbacks) and how much it may generate. Its tokens stay reserved in the tenant's grain until the stream is
/// completed or abandoned. Silo-internal: it holds the system parameter.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class StreamTicket(
    [property: Id(0)] Guid RequestId,
    [property: Id(1)] Guid ConversationId,
    [property: Id(2)] string SystemPrompt,
    [property: Id(3)] ImmutableArray<ConversationTurn> Context,
    [property: Id(4)] string Prompt,
    [property: Id(5)] string Model,
    [property: Id(6)] int? Seed,
    [property: Id(7)] int PromptTokens,
    [property: Id(8)] int CompletionAllowance,
    [property: Id(9)] ImmutableArray<UpstreamRoute> Routes)
{
    /// <summary>Set when the tenant's response cache answered: already stored, nothing to ask upstream.</summary>
    [Id(10)] public ChatReply? Cached { get; init; }

    /// <summary>The knowledge items in <see cref="SystemPrompt"/>, stored with the answer.</summary>
    [Id(11)] public ImmutableArray<KnowledgeSource> Sources { get; init; } = [];

    /// <summary>
    /// The tenant's own system parameter, which an answer must never quote, when <see cref="SystemPrompt"/> has
    /// knowledge appended to it (knowledge may be quoted).
    /// </summary>
    [Id(12)] public string? TenantSystemPrompt { get; init; }
}
