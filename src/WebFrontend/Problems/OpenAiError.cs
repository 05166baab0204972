using System.Globalization;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Extensions;

namespace TenantChat.WebFrontend.Problems;

/// <summary>
/// On the OpenAI-compatible routes (marked <see cref="WithOpenAiErrors"/>) errors take OpenAI's shape,
/// <c>{"error":{"message","type","param","code"}}</c>, so the official SDKs raise their usual exceptions; status codes
/// and <c>Retry-After</c> are the same as elsewhere.
/// </summary>
public static class OpenAiError
{
    public static TBuilder WithOpenAiErrors<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.Mark<TBuilder, OpenAiErrorRoute>();

    public static bool AppliesTo(HttpContext httpContext) => httpContext.IsMarked<OpenAiErrorRoute>();

    public static async Task WriteAsync(HttpContext httpContext, ApiProblem problem, string detail, int? retryAfterSeconds)
    {
        if (retryAfterSeconds is { } seconds)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }
        httpContext.Response.StatusCode = problem.StatusOverride ?? ApiProblem.StatusOf(problem.Code);
        // OpenAI names one bad parameter: the first field of a validation problem, whose messages say what is wrong.
        KeyValuePair<string, string[]>? field = problem.Errors is { Count: > 0 } errors ? errors.First() : null;
        var body = new
        {
            error = new
            {
                message = field is { } bad ? string.Join(" ", bad.Value) : detail,
                type = TypeOf(problem.Code),
                param = field?.Key,
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

/// <summary>The mark of a route whose errors take OpenAI's shape.</summary>
public sealed class OpenAiErrorRoute;
