using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using TenantChat.Grains;
using TenantChat.Grains.Models;

namespace TenantChat.WebFrontend.Problems;

public static class ProblemSetup
{
    /// <summary>Every error the framework itself produces (unmatched route, bad body, crash) is a problem too.</summary>
    public static IServiceCollection AddApiProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            if (!context.ProblemDetails.Extensions.ContainsKey("code"))
            {
                ApiProblem.Describe(CodeForStatus(context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode), context.ProblemDetails);
            }
        });
        services.AddExceptionHandler<ApiExceptionHandler>();
        // Malformed bodies and parameters raise BadHttpRequestException, which the handler below turns into 400s.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    private static ProblemCode CodeForStatus(int status) => status switch
    {
        401 => ProblemCode.Unauthorized,
        403 => ProblemCode.Forbidden,
        404 or 405 => ProblemCode.NotFound,
        409 => ProblemCode.Conflict,
        429 => ProblemCode.RateLimited,
        503 => ProblemCode.Unavailable,
        >= 400 and < 500 => ProblemCode.ValidationFailed,
        _ => ProblemCode.Internal,
    };

    private sealed class ApiExceptionHandler(ILogger<ApiExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            ApiProblem problem = exception switch
            {
                BadHttpRequestException { InnerException: System.Text.Json.JsonException json } => ApiProblem.Validation(
                    new Dictionary<string, string[]> { [Field(json.Path)] = ["The body is not valid JSON of the expected shape: this field is missing, null or of the wrong type."] }),
                BadHttpRequestException bad => new ApiProblem(ProblemCode.ValidationFailed, Describe(bad)) { StatusOverride = bad.StatusCode },
                OrleansException or TimeoutException or TaskCanceledException or StorageUnavailableException or System.Data.Common.DbException =>
                    new ApiProblem(ProblemCode.Unavailable, "The service is temporarily unavailable. Try again shortly.", 2),
                _ => new ApiProblem(ProblemCode.Internal, "The request could not be completed."),
            };
            if (problem.Code != ProblemCode.ValidationFailed)
            {
                logger.LogError(exception, "Request failed with {ExceptionType}", exception.GetType().Name);
            }
            await problem.ExecuteAsync(httpContext);
            return true;
        }

        private static string Describe(BadHttpRequestException exception) => exception.StatusCode switch
        {
            StatusCodes.Status415UnsupportedMediaType => "The body must be application/json.",
            StatusCodes.Status413PayloadTooLarge => "The body is too large.",
            _ => "The request is malformed: a required body or parameter is missing or of the wrong type.",
        };

        /// <summary>A JSON path as the field a caller sent: <c>$.messages[0].role</c> is <c>messages[0].role</c>, <c>$</c> the body.</summary>
        private static string Field(string? path) => path is null or "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
    }
}
