using System.Diagnostics;
using TenantChat.Grains.Models;
using TenantChat.Telemetry;

namespace TenantChat.Grains.Tenants;

/// <summary>What a tenant grain's admission and settlement tell the metrics and the trace: refusals, cache hits, tokens.</summary>
internal static class TenantTelemetry
{
    public static Outcome<AdmittedCall> Admitted(Guid tenantId, Outcome<AdmittedCall> admission, Activity? span)
    {
        if (!admission.Succeeded)
        {
            // An unknown host may be a stale mapping the frontend retries: the frontend counts the refusals that stand.
            if (admission.Error.Code != ProblemCode.UnknownTenant)
            {
                TenantChatMetrics.Refused(admission.Error.Code, tenantId);
            }
            span.Tag("tenantchat.refusal", TenantChatMetrics.CodeName(admission.Error.Code));
        }
        else if (admission.Value.CachedAnswer is not null)
        {
            var kind = admission.Value.AnsweredBySimilarPrompt ? TenantChatMetrics.SemanticCache : TenantChatMetrics.ResponseCache;
            TenantChatMetrics.CacheHit(kind, tenantId);
            span.Tag("tenantchat.cache_hit", kind);
        }
        return admission;
    }

    public static void Settled(Guid tenantId, Outcome<ChatReply> outcome, TokenUsage usage, Activity? span, long tokensUsed, long tokenLimit)
    {
        if (outcome.Succeeded && !outcome.Value.Cached)
        {
            TenantChatMetrics.TokensCharged(usage.PromptTokens, usage.CompletionTokens, tenantId);
            TenantChatMetrics.BudgetUsed(tenantId, tokensUsed, tokenLimit);
            span.Tag("tenantchat.tokens", usage.TotalTokens);
        }
    }
}
