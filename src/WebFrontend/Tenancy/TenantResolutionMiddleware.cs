using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Problems;

namespace TenantChat.WebFrontend.Tenancy;

/// <summary>Puts a <see cref="TenantContext"/> on every tenant request, or answers 400/404 before anything else runs.</summary>
public sealed class TenantResolutionMiddleware(RequestDelegate next, ILogger<TenantResolutionMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext httpContext, HostTenantResolver resolver)
    {
        if (!HostNames.TryNormalize(httpContext.Request.Host.Host, out var domain))
        {
            await new ApiProblem(ProblemCode.ValidationFailed, "The Host header is missing or malformed.").ExecuteAsync(httpContext);
            return;
        }
        if (await resolver.ResolveAsync(domain) is not { } tenantId)
        {
            await new ApiProblem(ProblemCode.UnknownTenant, "No tenant is served on this host.").ExecuteAsync(httpContext);
            return;
        }
        httpContext.Features.Set(new TenantContext(tenantId, domain));
        using (logger.BeginScope(new Dictionary<string, object> { ["TenantId"] = tenantId }))
        {
            await next(httpContext);
        }
    }
}

public static class TenantHttpContextExtensions
{
    public static TenantContext Tenant(this HttpContext httpContext) =>
        httpContext.Features.Get<TenantContext>() ?? throw new InvalidOperationException("Tenant resolution did not run for this route.");
}
