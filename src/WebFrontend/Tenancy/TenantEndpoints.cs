namespace TenantChat.WebFrontend.Tenancy;

/// <summary>
/// Endpoint metadata for the routes that serve a tenant: <see cref="TenantResolutionMiddleware"/> finds their
/// tenant by the request's host, and <see cref="GrainCheckedAccess"/> routes leave the host check to their grain.
/// </summary>
public static class TenantEndpoints
{
    private sealed class Marker;

    private static readonly Marker Metadata = new();

    /// <summary>Marks every endpoint of <paramref name="builder"/> as served on a tenant's host.</summary>
    public static TBuilder ForTenantHost<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(Metadata);

    public static bool IsTenantRoute(HttpContext httpContext) => httpContext.GetEndpoint()?.Metadata.GetMetadata<Marker>() is not null;
}
