using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using TenantChat.Grains.Models;
using TenantChat.Telemetry;

namespace TenantChat.WebFrontend.Problems;

/// <summary>
/// The one place errors become RFC 9457 problems: <c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c> and the
/// contract's machine-readable <c>code</c>, plus <c>Retry-After</c> where the caller should come back.
/// </summary>
public sealed class ApiProblem(ProblemCode code, string detail, int? retryAfterSeconds = null, IDictionary<string, string[]>? errors = null) : IResult
{
    public const string ContentType = "application/problem+json";

    /// <summary>JSON for API bodies: never HTML-embedded, so text like "tenant's" is written as is.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public ProblemCode Code { get; } = code;

    /// <summary>The bad fields and what is wrong with each, for a validation problem.</summary>
    public IDictionary<string, string[]>? Errors { get; } = errors;

    /// <summary>A more precise 4xx than the code's own, such as 415 for a body that is not JSON.</summary>
    public int? StatusOverride { get; init; }

    /// <summary>A service's refusal; one that names a field lists it in <c>errors</c>, like any validation problem.</summary>
    public static ApiProblem From(ServiceError error) => new(error.Code, error.Detail, error.RetryAfterSeconds,
        error.Field is { } field ? new Dictionary<string, string[]> { [field] = [error.Detail] } : null);

    public static ApiProblem Validation(IDictionary<string, string[]> errors) =>
        new(ProblemCode.ValidationFailed, "The request is not valid; see errors.", errors: errors);

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        httpContext.Features.Set(this);
        if (OpenAiError.AppliesTo(httpContext))
        {
            await OpenAiError.WriteAsync(httpContext, this, detail, retryAfterSeconds);
            return;
        }
        var problem = Create(Code, detail);
        if (Errors is not null)
        {
            problem.Extensions["errors"] = Errors;
        }
        if (retryAfterSeconds is { } seconds)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        problem.Status = StatusOverride ?? problem.Status;
        httpContext.Response.StatusCode = problem.Status!.Value;
        await httpContext.Response.WriteAsJsonAsync(problem, JsonOptions, ContentType);
    }

    private static ProblemDetails Create(ProblemCode code, string? detail) => Describe(code, new ProblemDetails { Detail = detail });

    /// <summary>The contract's machine-readable name of a code: <c>token_limit_exceeded</c>.</summary>
    public static string CodeName(ProblemCode code) => TenantChatMetrics.CodeName(code);

    /// <summary>Fills in type, title, status and code for <paramref name="code"/>.</summary>
    public static ProblemDetails Describe(ProblemCode code, ProblemDetails problem)
    {
        var name = CodeName(code);
        problem.Type = "urn:tenantchat:problem:" + name.Replace('_', '-');
        problem.Title = Titles[code];
        problem.Status = StatusOf(code);
        problem.Extensions["code"] = name;
        return problem;
    }

    public static int StatusOf(ProblemCode code) => code switch
    {
        ProblemCode.ValidationFailed => StatusCodes.Status400BadRequest,
        ProblemCode.Unauthorized => StatusCodes.Status401Unauthorized,
        ProblemCode.TenantSuspended or ProblemCode.Forbidden => StatusCodes.Status403Forbidden,
        ProblemCode.UnknownTenant or ProblemCode.NotFound => StatusCodes.Status404NotFound,
        ProblemCode.Conflict => StatusCodes.Status409Conflict,
        ProblemCode.TokenLimitExceeded or ProblemCode.RateLimited => StatusCodes.Status429TooManyRequests,
        ProblemCode.UpstreamError => StatusCodes.Status502BadGateway,
        ProblemCode.UpstreamTimeout => StatusCodes.Status504GatewayTimeout,
        ProblemCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    private static readonly Dictionary<ProblemCode, string> Titles = new()
    {
        [ProblemCode.ValidationFailed] = "The request is not valid.",
        [ProblemCode.UnknownTenant] = ServiceError.UnknownHost.Detail,
        [ProblemCode.TenantSuspended] = "This tenant is suspended.",
        [ProblemCode.Unauthorized] = "Authentication is required.",
        [ProblemCode.Forbidden] = "This action is not allowed.",
        [ProblemCode.NotFound] = "Not found.",
        [ProblemCode.Conflict] = "The request conflicts with the current state.",
        [ProblemCode.TokenLimitExceeded] = "The token budget is spent.",
        [ProblemCode.RateLimited] = "Too many requests.",
        [ProblemCode.UpstreamError] = "The AI provider failed.",
        [ProblemCode.UpstreamTimeout] = "The AI provider timed out.",
        [ProblemCode.Unavailable] = "The service is temporarily unavailable.",
        [ProblemCode.Internal] = "Something went wrong.",
    };
}
