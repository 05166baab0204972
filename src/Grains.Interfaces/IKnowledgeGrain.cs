using Orleans.Concurrency;
using TenantChat.Grains.Models;

namespace TenantChat.Grains;

/// <summary>
/// One tenant's knowledge, keyed by the tenant's id: the embeddings of its customer data in memory, kept current
/// as items are written. Every call answers from this tenant's chunks alone.
/// </summary>
public interface IKnowledgeGrain : IGrainWithGuidKey
{
    /// <summary>The items best matching <paramref name="query"/>, best first, at most <paramref name="limit"/>.</summary>
    [AlwaysInterleave]
    Task<IReadOnlyList<KnowledgeHit>> SearchAsync(string query, int limit);

    /// <summary>
    /// The knowledge block for a chat <paramref name="prompt"/> within <paramref name="settings"/> (min_score, top_k,
    /// max_tokens). <paramref name="promptVector"/> is the prompt's embedding when the caller already has it.
    /// </summary>
    [AlwaysInterleave]
    Task<Grounding> GroundAsync(string prompt, float[]? promptVector, KnowledgeSettings settings);

    /// <summary>An item was created or changed: it is (re-)indexed in the background, retried until it succeeds.</summary>
    [AlwaysInterleave]
    Task ItemChangedAsync(Guid itemId);

    /// <summary>An item was deleted (its chunks went with it): it leaves the vectors at once.</summary>
    [AlwaysInterleave]
    Task ItemRemovedAsync(Guid itemId);
}
