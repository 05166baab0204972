using Orleans.Runtime;

namespace TenantChat.Grains;

/// <summary>
/// Who is making a change, and under which request: the frontend sets both once per HTTP request in Orleans'
/// request context, which flows with every grain call the request makes, so the audit log can name the actor
/// without every grain method taking it as a parameter.
/// </summary>
public static class AuditCaller
{
    public const string Operator = "operator";
    public const string Anonymous = "anonymous";

    /// <summary>Changes no request asked for (none exist today; a scheduled purge would be one).</summary>
    public const string System = "system";

    private const string ActorKey = "tenantchat.actor";
    private const string RequestIdKey = "tenantchat.request_id";

    public static string Account(Guid accountId) => $"account:{accountId}";

    public static void Set(string actor, string? requestId)
    {
        RequestContext.Set(ActorKey, actor);
        if (requestId is not null)
        {
            RequestContext.Set(RequestIdKey, requestId);
        }
    }

    public static string Actor => RequestContext.Get(ActorKey) as string ?? System;

    public static string? RequestId => RequestContext.Get(RequestIdKey) as string;

    public static bool IsOperator => Actor == Operator;
}
