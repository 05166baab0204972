using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using TenantChat.Grains.Models;

namespace TenantChat.WebFrontend.Problems;

/// <summary>
/// On the OpenAI-compatible routes (marked <see cref="WithOpenAiErrors"/>) errors take OpenAI's shape,
/// <c>{"error":{"message","type","param","code"}}</c>, so the official SDKs raise their usual exceptions; status codes
/// and <c>Retry-After</c> are the same as elsewhere.
/// </summary>
public static class OpenAiError
{
    private sealed class Marker;

    private static readonly Marker Metadata = new();

    public static TBuilder WithOpenAiErrors<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(Metadata);

    /// <summary>Whether the request's endpoint (the one that failed, when the exception handler runs) is marked.</summary>
    public static bool AppliesTo(HttpContext httpContext) =>
        (httpContext.GetEndpoint() ?? httpContext.Features.Get<IExceptionHandlerFeature>()?.Endpoint)?.Metadata.GetMetadata<Marker>() is not null;

    public static async Task WriteAsync(HttpContext httpContext, ApiProblem problem, string detail, int? retryAfterSeconds)
    {
        if (retryAfterSeconds is { } seconds)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }
        httpContext.Response.StatusCode = problem.StatusOverride ?? ApiProblem.StatusOf(problem.Code);
        var body = new
        {
            error = new
            {
                message = detail,
                type = TypeOf(problem.Code),
                param = (string?)null,
                code = ApiProblem.CodeName(problem.Code),
            },
        };
        await httpContext.Response.WriteAsJsonAsync(body, ApiProblem.JsonOptions);
    }

    private static string TypeOf(ProblemCode code) => code switch
    {
        ProblemCode.ValidationFailed or ProblemCode.NotFound or ProblemCode.UnknownTenant => "invalid_request_error",
        ProblemCode.Unauthorized => "authentication_error",
        ProblemCode.Forbidden or ProblemCode.TenantSuspended => "permission_error",
        ProblemCode.TokenLimitExceeded => "insufficient_quota",
        ProblemCode.RateLimited => "rate_limit_error",
        _ => "api_error",
    };
}
