using TenantChat.Grains.Models;

namespace TenantChat.WebFrontend.Tenancy;

/// <summary>
/// Marks an endpoint whose tenant grain call checks the host itself (a chat call or stream is refused by its
/// grain as unknown or suspended, with the same codes): <see cref="TenantResolutionMiddleware"/> then skips its own
/// access check, one process-to-process round trip less per chat call. Such an endpoint must handle a stale
/// host mapping itself, with <see cref="ResolveAgainAsync"/>, as the middleware would have.
/// </summary>
public sealed class GrainCheckedAccess
{
    public static readonly GrainCheckedAccess Marker = new();

    private GrainCheckedAccess()
    {
    }

    public static bool AppliesTo(HttpContext httpContext) => httpContext.GetEndpoint()?.Metadata.GetMetadata<GrainCheckedAccess>() is not null;

    /// <summary>
    /// After the grain answered <see cref="ProblemCode.UnknownTenant"/>: the cached host mapping may be stale (the
    /// domain moved). Forgets it and resolves the host again; the request's tenant if one still has the host (try
    /// once more with it), else null (the refusal stands).
    /// </summary>
    public static async Task<TenantContext?> ResolveAgainAsync(HttpContext httpContext)
    {
        var tenant = httpContext.Tenant();
        var resolver = httpContext.RequestServices.GetRequiredService<HostTenantResolver>();
        resolver.Forget(tenant.Domain);
        if (await resolver.ResolveAsync(tenant.Domain) is not { } tenantId)
        {
            return null;
        }
        var resolved = tenant with { TenantId = tenantId };
        httpContext.Features.Set(resolved);
        return resolved;
    }
}

public static class GrainCheckedAccessExtensions
{
    /// <summary>See <see cref="GrainCheckedAccess"/>.</summary>
    public static TBuilder WithGrainCheckedAccess<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(GrainCheckedAccess.Marker);
}
