using System.Diagnostics;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.Telemetry;
using TenantChat.WebFrontend.Problems;

namespace TenantChat.WebFrontend.Tenancy;

/// <summary>
/// Puts a <see cref="TenantContext"/> on every tenant request, or answers before anything else runs: 400 for a
/// malformed host, 404 for an unknown one, 403 for a suspended tenant. The tenant's grain confirms the cached
/// host mapping on every request, so a moved domain is followed at once: here, or on the chat routes
/// (<see cref="GrainCheckedAccess"/>) in the grain call the route makes anyway.
/// </summary>
public sealed class TenantResolutionMiddleware(RequestDelegate next, ILogger<TenantResolutionMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext httpContext, HostTenantResolver resolver, IClusterClient orleans)
    {
        if (!HostNames.TryNormalize(httpContext.Request.Host.Host, out var domain))
        {
            await new ApiProblem(ProblemCode.ValidationFailed, "The Host header is missing or malformed.").ExecuteAsync(httpContext);
            return;
        }
        var (tenantId, refused) = GrainCheckedAccess.AppliesTo(httpContext)
            ? await ResolveOnlyAsync(domain, resolver)
            : await ResolveAsync(domain, resolver, orleans);
        if (refused is not null)
        {
            await ApiProblem.From(refused).ExecuteAsync(httpContext);
            return;
        }
        httpContext.Features.Set(new TenantContext(tenantId, domain));
        Activity.Current?.SetTag(TenantChatTracing.TenantIdTag, tenantId.ToString());
        using (logger.BeginScope(new Dictionary<string, object> { ["TenantId"] = tenantId }))
        {
            await next(httpContext);
        }
    }

    private static async Task<(Guid TenantId, ServiceError? Refused)> ResolveOnlyAsync(string domain, HostTenantResolver resolver) =>
        await resolver.ResolveAsync(domain) is { } tenantId ? (tenantId, null) : (Guid.Empty, UnknownTenant());

    private static async Task<(Guid TenantId, ServiceError? Refused)> ResolveAsync(string domain, HostTenantResolver resolver, IClusterClient orleans)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (await resolver.ResolveAsync(domain) is not { } tenantId)
            {
                return (Guid.Empty, UnknownTenant());
            }
            var refused = await orleans.GetGrain<ITenantGrain>(tenantId).CheckAccessAsync(domain);
            if (refused?.Code != ProblemCode.UnknownTenant || attempt == 1)
            {
                return (tenantId, refused);
            }
            // The cached mapping is stale (the domain moved): forget it and resolve once more.
            resolver.Forget(domain);
        }
    }

    private static ServiceError UnknownTenant() => new(ProblemCode.UnknownTenant, "No tenant is served on this host.");
}

public static class TenantHttpContextExtensions
{
    public static TenantContext Tenant(this HttpContext httpContext) =>
        httpContext.Features.Get<TenantContext>() ?? throw new InvalidOperationException("Tenant resolution did not run for this route.");
}
