using TenantChat.WebFrontend.Extensions;

namespace TenantChat.WebFrontend.Tenancy;

/// <summary>
/// Marks a route that serves a tenant: <see cref="TenantResolutionMiddleware"/> finds its tenant by the request's
/// host and, unless it is also <see cref="GrainCheckedAccess"/>, checks that the tenant may be served there.
/// </summary>
public sealed class TenantRoute
{
    public static bool AppliesTo(HttpContext httpContext) => httpContext.IsMarked<TenantRoute>();
}

/// <summary>
/// Marks a tenant route whose grain call checks the host itself (a chat call or stream is refused by its grain as
/// unknown or suspended, with the same codes): <see cref="TenantResolutionMiddleware"/> then skips its own access
/// check, one process-to-process round trip less per chat call. Such a route makes its grain call through
/// <see cref="TenantGrainCalls"/>, which follows a stale host mapping as the middleware would have.
/// </summary>
public sealed class GrainCheckedAccess
{
    public static bool AppliesTo(HttpContext httpContext) => httpContext.IsMarked<GrainCheckedAccess>();
}

public static class TenantRouteMarks
{
    /// <summary>Marks every endpoint of <paramref name="builder"/> as a <see cref="TenantRoute"/>.</summary>
    public static TBuilder ForTenantHost<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.Mark<TBuilder, TenantRoute>();

    /// <summary>Marks the endpoints of <paramref name="builder"/> as <see cref="GrainCheckedAccess"/>.</summary>
    public static TBuilder WithGrainCheckedAccess<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.Mark<TBuilder, GrainCheckedAccess>();
}
