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

    public Handoff Handoff { get; init; }

    public ConversationChannel Channel { get; init; }

    public bool StartsConversation { get; init; }
}
