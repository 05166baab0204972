using System.Diagnostics;

namespace TenantChat.Telemetry;

/// <summary>
/// The platform's own spans, beside those of ASP.NET Core, HttpClient, Orleans and Npgsql: a tenant's admission and
/// settlement, each upstream route tried, and each batched write. With no listener (tracing off) starting a span
/// returns null and costs a check. Attributes carry ids, providers and models: never prompts, answers, system
/// parameters or keys.
/// </summary>
public static class TenantChatTracing
{
    public const string SourceName = "TenantChat";

    public const string TenantIdTag = "tenantchat.tenant_id";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>A step of a tenant's call inside its grain: <c>tenant.admission</c>, <c>tenant.settlement</c>.</summary>
    public static Activity? StartTenantStep(string name, Guid tenantId) =>
        Source.StartActivity(name)?.SetTag(TenantIdTag, tenantId.ToString());

    /// <summary>One route's upstream call (its retries are HTTP spans inside it); a fallback is a span of its own.</summary>
    public static Activity? StartUpstream(string provider, string? model) =>
        Source.StartActivity("upstream " + provider, ActivityKind.Client)?
            .SetTag("tenantchat.upstream.provider", provider)
            .SetTag("gen_ai.request.model", model);

    /// <summary>
    /// A batch write serving several tenants' calls: a child of the first call's trace, linked to every other's, so
    /// each call's trace leads to the write that made it durable.
    /// </summary>
    public static Activity? StartBatchWrite(IReadOnlyList<ActivityContext> callers, int messages)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        var parent = callers.FirstOrDefault(caller => caller != default);
        var links = callers.Where(caller => caller != default && caller != parent).Distinct().Select(caller => new ActivityLink(caller));
        return Source.StartActivity("chat_messages batch write", ActivityKind.Internal, parent, links: links)?
            .SetTag("tenantchat.batch.messages", messages)
            .SetTag("tenantchat.batch.calls", callers.Count);
    }

    /// <summary>Marks a span failed with the kind of failure only: exception messages may quote what a caller sent.</summary>
    public static void Failed(this Activity? activity, string failure) => activity?.SetStatus(ActivityStatusCode.Error, failure);
}
