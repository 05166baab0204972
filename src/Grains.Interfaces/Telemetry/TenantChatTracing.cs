using System.Diagnostics;

namespace TenantChat.Telemetry;

/// <summary>
/// The platform's own spans, beside those of ASP.NET Core, HttpClient, Orleans and Npgsql: a tenant's admission and
/// settlement, each upstream route tried, and each batched write. Attributes carry ids, providers and models: never
/// prompts, answers, system parameters or keys.
/// A span costs only when it is kept. With tracing off (no listener) nothing is started. Inside a trace the
/// sampler left out (the current span is not recorded), no span of ours is started either, since the sampler would
/// drop it too: the trace context still flows on through the current span. Tags are set, and their strings made,
/// only on spans whose data is wanted.
/// </summary>
public static class TenantChatTracing
{
    public const string SourceName = "TenantChat";

    public const string TenantIdTag = "tenantchat.tenant_id";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>Whether a span started here now could be kept: someone listens, and the current trace, if any, is sampled.</summary>
    private static bool MayRecord => Source.HasListeners() && Activity.Current is not { Recorded: false };

    /// <summary>A step of a tenant's call inside its grain: <c>tenant.admission</c>, <c>tenant.settlement</c>.</summary>
    public static Activity? StartTenantStep(string name, Guid tenantId)
    {
        if (!MayRecord)
        {
            return null;
        }
        var activity = Source.StartActivity(name);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(TenantIdTag, tenantId.ToString());
        }
        return activity;
    }

    /// <summary>One route's upstream call (its retries are HTTP spans inside it); a fallback is a span of its own.</summary>
    public static Activity? StartUpstream(string provider, string? model)
    {
        if (!MayRecord)
        {
            return null;
        }
        var activity = Source.StartActivity("upstream " + provider, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("tenantchat.upstream.provider", provider);
            activity.SetTag("gen_ai.request.model", model);
        }
        return activity;
    }

    /// <summary>
    /// A batch write serving several tenants' calls (<paramref name="callerOf"/> each item of <paramref name="batch"/>):
    /// a child of the first sampled call's trace, linked to every other sampled call's, so each kept trace leads to the
    /// write that made it durable. With no sampled caller it continues the first caller's trace unrecorded (so the
    /// database's spans beneath it are left out too) and makes no links.
    /// </summary>
    public static Activity? StartBatchWrite<T>(IReadOnlyList<T> batch, Func<T, ActivityContext> callerOf, int messages)
    {
        if (!Source.HasListeners())
        {
            return null;
        }
        ActivityContext parent = default, first = default;
        HashSet<ActivityContext>? linked = null;
        foreach (var item in batch)
        {
            var caller = callerOf(item);
            if (caller == default)
            {
                continue;
            }
            first = first == default ? caller : first;
            if ((caller.TraceFlags & ActivityTraceFlags.Recorded) == 0)
            {
                continue;
            }
            if (parent == default)
            {
                parent = caller;
            }
            else if (caller != parent)
            {
                (linked ??= []).Add(caller);
            }
        }
        var links = linked?.Select(caller => new ActivityLink(caller));
        var activity = Source.StartActivity("chat_messages batch write", ActivityKind.Internal, parent == default ? first : parent, links: links);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("tenantchat.batch.messages", messages);
            activity.SetTag("tenantchat.batch.calls", batch.Count);
        }
        return activity;
    }

    /// <summary>Sets a tag on a span whose data is wanted; on none, or on one the sampler left out, it does nothing.</summary>
    public static void Tag<T>(this Activity? activity, string name, T value)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(name, value); // boxed only here, on a span that is kept
        }
    }

    /// <summary>Marks a span failed with the kind of failure only: exception messages may quote what a caller sent.</summary>
    public static void Failed(this Activity? activity, string failure) => activity?.SetStatus(ActivityStatusCode.Error, failure);
}
