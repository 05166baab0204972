using System.Diagnostics;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.Telemetry;
using TenantChat.WebFrontend.Problems;

namespace TenantChat.WebFrontend.Tenancy;

/// <summary>
/// Puts a <see cref="TenantContext"/> on every request to a tenant route (<see cref="TenantRoute"/>), or
/// answers before anything else runs: 400 for a malformed host, 404 for an unknown one, 403 for a suspended tenant.
/// The tenant's grain confirms the cached host mapping on every request, so a moved domain is followed at once:
/// here, or on the chat routes (<see cref="GrainCheckedAccess"/>) in the grain call the route makes anyway.
/// </summary>
public sealed class TenantResolutionMiddleware(RequestDelegate next, ILogger<TenantResolutionMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext httpContext, TenantGrainCalls tenants, IClusterClient orleans)
    {
        if (!TenantRoute.AppliesTo(httpContext))
        {
            await next(httpContext);
            return;
        }
        if (!HostNames.TryNormalize(httpContext.Request.Host.Host, out var domain))
        {
            await new ApiProblem(ProblemCode.ValidationFailed, "The Host header is missing or malformed.").ExecuteAsync(httpContext);
            return;
        }
        if (await tenants.ResolveAsync(domain) is not { } tenantId)
        {
            await ApiProblem.From(ServiceError.UnknownHost).ExecuteAsync(httpContext);
            return;
        }
        var tenant = new TenantContext(tenantId, domain);
        if (!GrainCheckedAccess.AppliesTo(httpContext))
        {
            (tenant, var refused) = await tenants.CallAsync(tenant,
                current => orleans.GetGrain<ITenantGrain>(current.TenantId).CheckAccessAsync(current.Domain), refusal => refusal);
            if (refused is not null)
            {
                await ApiProblem.From(refused).ExecuteAsync(httpContext);
                return;
            }
        }
        httpContext.Features.Set(tenant);
        // ASP.NET Core keeps a request activity for its logs even with tracing off: the id's string only when it is traced.
        if (Activity.Current is { IsAllDataRequested: true } request)
        {
            request.SetTag(TenantChatTracing.TenantIdTag, tenant.TenantId.ToString());
        }
        using (logger.BeginScope(new Dictionary<string, object> { ["TenantId"] = tenant.TenantId }))
        {
            await next(httpContext);
        }
    }
}

public static class TenantHttpContextExtensions
{
    public static TenantContext Tenant(this HttpContext httpContext) =>
        httpContext.Features.Get<TenantContext>()
        ?? throw new InvalidOperationException("Tenant resolution did not run for this route: map it with ForTenantHost().");
}
