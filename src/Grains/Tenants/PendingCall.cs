using System.Collections.Immutable;
using TenantChat.Grains.Conversations;
using TenantChat.Grains.Models;
using TenantChat.Grains.Upstreams;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// A chat call checked and counted but not yet admitted: what it would send upstream (no allowance yet), the tokens
/// its prompt takes and the most it may generate. <see cref="CachedAnswer"/> is set when the response cache has it,
/// <see cref="Handoff"/> when it goes to a person (then it costs no tokens).
/// </summary>
internal sealed record class PendingCall(
    UpstreamRequest Upstream, Guid RequestId, Guid ConversationId, ImmutableArray<UpstreamRoute> Routes, int PromptTokens, int MaxOutputTokens)
{
    public string? CacheKey { get; init; }

    public ResponseCache.Entry? CachedAnswer { get; init; }

    /// <summary>True when <see cref="CachedAnswer"/> came from the semantic cache (a similar prompt), not the response cache.</summary>
    public bool AnsweredBySimilarPrompt { get; init; }

    public Handoff Handoff { get; init; }

    public ConversationChannel Channel { get; init; }

    public bool StartsConversation { get; init; }

    /// <summary>The knowledge items in the system parameter.</summary>
    public ImmutableArray<KnowledgeSource> Sources { get; init; } = [];

    /// <summary>Set for the semantic cache (a call without context): the prompt's embedding and its cache key.</summary>
    public string? SimilarKey { get; init; }

    public float[]? PromptVector { get; init; }
}
