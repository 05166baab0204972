using Microsoft.AspNetCore.Diagnostics;

namespace TenantChat.WebFrontend.Extensions;

/// <summary>
/// Endpoint metadata that only says what kind of route an endpoint is (a tenant's, a grain-checked chat route,
/// an OpenAI-compatible one), set on its group and read by the middleware and the problem writer.
/// </summary>
public static class EndpointMarks
{
    public static TBuilder Mark<TBuilder, TMark>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder where TMark : class, new() =>
        builder.WithMetadata(new TMark());

    /// <summary>Whether the request's endpoint has <typeparamref name="TMark"/>; while the exception handler runs, the endpoint that failed.</summary>
    public static bool IsMarked<TMark>(this HttpContext httpContext) where TMark : class =>
        (httpContext.GetEndpoint() ?? httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint)?.Metadata.GetMetadata<TMark>() is not null;
}
