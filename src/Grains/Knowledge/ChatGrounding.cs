using Microsoft.Extensions.Logging;
using TenantChat.Grains.Models;
using TenantChat.Grains.Tenants;
using TenantChat.Grains.Tokens;

namespace TenantChat.Grains.Knowledge;

/// <summary>
/// What a tenant's chat call gets from knowledge and the semantic cache before it is admitted: the prompt's
/// embedding (for the semantic cache, only for a call without context; shared with retrieval) and the assembled
/// system parameter with the retrieved knowledge after it (<see cref="SystemAssembly.AddKnowledge"/>), within both
/// the tenant's <c>knowledge.max_tokens</c> and what <c>max_system_tokens</c> leaves. Both are awaited work on the
/// embedding workers and the tenant's knowledge grain, never done in the tenant grain's turn. Either improves a call
/// without being needed for it: a failure is logged and the call goes on without it. With both settings off
/// nothing is awaited or allocated.
/// </summary>
public sealed class ChatGrounding(Guid tenantId, IGrainFactory grains, ISentenceEmbedder embedder, TokenCounter tokens, ILogger logger)
{
    public ValueTask<CallGrounding> PrepareAsync(TenantSettings settings, AssembledSystem assembled, string prompt, bool hasContext) =>
        settings.Knowledge.Enabled || (settings.SemanticCache.Enabled && !hasContext)
            ? PrepareSlowlyAsync(settings, assembled, prompt, hasContext)
            : ValueTask.FromResult(CallGrounding.None);

    private async ValueTask<CallGrounding> PrepareSlowlyAsync(TenantSettings settings, AssembledSystem assembled, string prompt, bool hasContext)
    {
        var promptVector = settings.SemanticCache.Enabled && !hasContext ? await EmbedAsync(prompt) : null;
        // Knowledge gets what the assembly leaves of max_system_tokens, and at most its own max_tokens.
        var room = Math.Min(settings.Knowledge.MaxTokens, settings.MaxSystemTokens - assembled.Tokens - tokens.Count(SystemAssembly.SectionSeparator));
        if (!settings.Knowledge.Enabled || room <= 0 || await GroundAsync(settings.Knowledge with { MaxTokens = room }, prompt, promptVector) is not { Sources.IsEmpty: false } grounding)
        {
            return new CallGrounding(null, [], promptVector);
        }
        return new CallGrounding(SystemAssembly.AddKnowledge(assembled, grounding.Block, settings.MaxSystemTokens, tokens), grounding.Sources, promptVector);
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

    private async Task<Grounding?> GroundAsync(KnowledgeSettings settings, string prompt, float[]? promptVector)
    {
        try
        {
            return await grains.GetGrain<IKnowledgeGrain>(tenantId).GroundAsync(prompt, promptVector, settings);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning("Tenant {TenantId}: knowledge retrieval failed ({Failure}); answering without it", tenantId, e.GetType().Name);
            return null;
        }
    }
}
