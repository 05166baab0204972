using TenantChat.Grains;
using TenantChat.WebFrontend.Apis;

namespace TenantChat.WebFrontend.Governance;

/// <summary>
/// Names the caller of every request for the audit log (<see cref="AuditCaller"/>): the operator, a tenant's
/// account, or anonymous. Runs after authorization, which has authenticated the route's scheme by then.
/// </summary>
public sealed class AuditCallerMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext httpContext)
    {
        var user = httpContext.User;
        var actor = user.IsInRole("operator") ? AuditCaller.Operator
            : user.Identity?.IsAuthenticated == true ? AuditCaller.Account(httpContext.AccountId())
            : AuditCaller.Anonymous;
        AuditCaller.Set(actor, httpContext.TraceIdentifier);
        return next(httpContext);
    }
}
