using Microsoft.Extensions.Logging;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Knowledge;

/// <summary>
/// What a tenant's chat call gets from knowledge and the semantic cache before it is admitted: the prompt's
/// embedding (for the semantic cache, only for a call without context; shared with retrieval) and the system
/// parameter with the retrieved chunks appended. Both are awaited work on the embedding workers and the tenant's
/// knowledge grain, never done in the tenant grain's turn. Either improves a call without being needed for it: a
/// failure is logged and the call goes on without it. With both settings off nothing is awaited or allocated.
/// </summary>
public sealed class ChatGrounding(Guid tenantId, IGrainFactory grains, SentenceEmbedder embedder, ILogger logger)
{
    public ValueTask<(Grounding Grounding, float[]? PromptVector)> PrepareAsync(TenantSettings settings, string prompt, bool hasContext) =>
        settings.Knowledge.Enabled || (settings.SemanticCache.Enabled && !hasContext)
            ? PrepareSlowlyAsync(settings, prompt, hasContext)
            : ValueTask.FromResult((Grounding.None, (float[]?)null));

    private async ValueTask<(Grounding, float[]?)> PrepareSlowlyAsync(TenantSettings settings, string prompt, bool hasContext)
    {
        var promptVector = settings.SemanticCache.Enabled && !hasContext ? await EmbedAsync(prompt) : null;
        var grounding = settings.Knowledge.Enabled ? await GroundAsync(settings, prompt, promptVector) : Grounding.None;
        return (grounding, promptVector);
    }

    private async Task<float[]?> EmbedAsync(string prompt)
    {
        try
        {
            return await embedder.EmbedQuestionAsync(prompt);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning("Tenant {TenantId}: embedding a prompt failed ({Failure}); no semantic cache for it", tenantId, e.GetType().Name);
            return null;
        }
    }

    /// <summary>The tenant's own system parameter with its knowledge for <paramref name="prompt"/> appended (the insertion point: base + block).</summary>
    private async Task<Grounding> GroundAsync(TenantSettings settings, string prompt, float[]? promptVector)
    {
        try
        {
            return await grains.GetGrain<IKnowledgeGrain>(tenantId).GroundAsync(settings.SystemPrompt, prompt, promptVector, settings.Knowledge);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning("Tenant {TenantId}: knowledge retrieval failed ({Failure}); answering without it", tenantId, e.GetType().Name);
            return Grounding.None;
        }
    }
}
