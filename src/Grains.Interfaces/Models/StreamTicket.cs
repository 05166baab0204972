using System.Collections.Immutable;

namespace TenantChat.Grains.Models;

/// <summary>
/// An admitted streaming call: what to send upstream, where (<see cref="Routes"/>: the tenant's upstream, then its
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
    /// <summary>Set when the call was answered without the upstream (from the tenant's cache, or as a handoff): already stored.</summary>
    [Id(10)] public ChatReply? Answered { get; init; }

    /// <summary>Where the conversation started, for its row when this call starts it.</summary>
    [Id(11)] public ConversationChannel Channel { get; init; }

    [Id(12)] public bool StartsConversation { get; init; }

    /// <summary>Besides the whole system parameter, its sections that must never be quoted back (system_prompt, module prompts).</summary>
    [Id(13)] public ImmutableArray<string> Secrets { get; init; } = [];
}
