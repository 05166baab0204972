using System.Collections.Immutable;
using TenantChat.Grains.Conversations;
using TenantChat.Grains.Models;
using TenantChat.Grains.Upstreams;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// An admitted call: what goes upstream, where (<see cref="Routes"/>, in order), and the tokens held for it.
/// <see cref="CacheKey"/> is set when the tenant caches answers; <see cref="CachedAnswer"/> when the cache answers;
/// <see cref="Handoff"/> when the call goes to a person instead of the upstream.
/// </summary>
internal sealed record class AdmittedCall(
    UpstreamRequest Upstream, Reservation Reservation, Guid RequestId, Guid ConversationId, ImmutableArray<UpstreamRoute> Routes)
{
    public string? CacheKey { get; init; }

    public ResponseCache.Entry? CachedAnswer { get; init; }

    /// <summary>True when <see cref="CachedAnswer"/> came from the semantic cache (a similar prompt), not the response cache.</summary>
    public bool AnsweredBySimilarPrompt { get; init; }

    /// <summary>Set when the tenant has a semantic cache and the call has no context: the prompt's embedding and its cache key.</summary>
    public string? SimilarKey { get; init; }

    public float[]? PromptVector { get; init; }

    /// <summary>The knowledge items retrieved into the system parameter.</summary>
    public ImmutableArray<KnowledgeSource> Sources { get; init; } = [];

    /// <summary>False for a stream settled by a later activation of the grain, which never counted it as in flight.</summary>
    public bool HoldsRateLimitSlot { get; init; } = true;

    public Handoff Handoff { get; init; }

    /// <summary>Where the conversation started, for its row when this call <see cref="StartsConversation"/>.</summary>
    public ConversationChannel Channel { get; init; }

    public bool StartsConversation { get; init; }

    /// <summary>
    /// What the stream's grain needs to run this call upstream, and to hand it back for settling; the caller adds
    /// the secrets the stream must redact.
    /// </summary>
    public StreamTicket ToTicket() => new(RequestId, ConversationId, Upstream.SystemPrompt, [.. Upstream.Context], Upstream.Prompt,
        Upstream.Model, Upstream.Seed, Reservation.PromptTokens, Reservation.CompletionAllowance, Routes)
    {
        Channel = Channel,
        StartsConversation = StartsConversation,
        Sources = Sources,
    };
}
