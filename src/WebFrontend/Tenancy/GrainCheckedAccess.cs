namespace TenantChat.WebFrontend.Tenancy;

/// <summary>
/// Marks an endpoint whose tenant grain call checks the host itself (a chat call or stream is refused by its
/// grain as unknown or suspended, with the same codes): <see cref="TenantResolutionMiddleware"/> then skips its own
/// access check, one process-to-process round trip less per chat call. Such an endpoint makes its grain call
/// through <see cref="TenantGrainCalls"/>, which follows a stale host mapping as the middleware would have.
/// </summary>
public sealed class GrainCheckedAccess
{
    public static readonly GrainCheckedAccess Marker = new();

    private GrainCheckedAccess()
    {
    }

    public static bool AppliesTo(HttpContext httpContext) => httpContext.GetEndpoint()?.Metadata.GetMetadata<GrainCheckedAccess>() is not null;
}

public static class GrainCheckedAccessExtensions
{
    /// <summary>See <see cref="GrainCheckedAccess"/>.</summary>
    public static TBuilder WithGrainCheckedAccess<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(GrainCheckedAccess.Marker);
}
