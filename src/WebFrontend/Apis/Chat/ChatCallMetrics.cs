using System.Diagnostics;
using TenantChat.Grains.Models;
using TenantChat.Telemetry;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Apis.Chat;

/// <summary>
/// Counts every chat call once it is answered, by route (<c>call</c>, <c>stream</c>, <c>openai</c>) and outcome:
/// <c>ok</c>, or the problem code the caller got (<c>token_limit_exceeded</c>, <c>upstream_error</c>, ...; for a
/// stream that failed after its first event, the code of its <c>error</c> event), and logs
/// it: at Information when it failed or was refused (an operator's "why were we refused"), at Debug when it
/// succeeded. Outermost in the pipeline, so unknown tenants and unexpected failures are counted too. A call refused
/// before any tenant was known is also counted as a refusal, with no tenant label, here and only here: an unknown
/// host (<c>unknown_tenant</c>) or a missing or malformed one (<c>validation_failed</c>). Every later refusal is
/// counted where it is decided.
/// </summary>
public sealed class ChatCallMetrics(RequestDelegate next, ILogger<ChatCallMetrics> logger)
{
    public static bool AppliesTo(HttpContext httpContext) => RouteOf(httpContext.Request.Path) is not null;

    public async Task InvokeAsync(HttpContext httpContext)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await next(httpContext);
        }
        finally
        {
            var problem = httpContext.Features.Get<ApiProblem>();
            var status = httpContext.Response.StatusCode;
            var outcome = problem is not null ? ApiProblem.CodeName(problem.Code) : status < 400 ? "ok" : $"status_{status}";
            var tenant = httpContext.Features.Get<TenantContext>()?.TenantId;
            if (RefusedBeforeTenant(problem, tenant) is { } code)
            {
                TenantChatMetrics.Refused(code, null);
            }
            var route = RouteOf(httpContext.Request.Path)!;
            TenantChatMetrics.ChatCallEnded(route, outcome, tenant);
            var level = outcome == "ok" ? LogLevel.Debug : LogLevel.Information;
            if (logger.IsEnabled(level))
            {
                logger.Log(level, "Chat call {Route} for tenant {TenantId}: {Outcome} in {ElapsedMs} ms",
                    route, tenant, outcome, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
    }

    /// <summary>
    /// Unknown tenant is decided by the host's final resolution: a stale mapping a grain refused and the retry fixed
    /// is no refusal. A validation failure without a tenant can only be the host's own.
    /// </summary>
    private static ProblemCode? RefusedBeforeTenant(ApiProblem? problem, Guid? tenant) => problem?.Code switch
    {
        ProblemCode.UnknownTenant => ProblemCode.UnknownTenant,
        ProblemCode.ValidationFailed when tenant is null => ProblemCode.ValidationFailed,
        _ => null,
    };

    private static string? RouteOf(PathString path) =>
        path.Equals("/api/chat/call", StringComparison.OrdinalIgnoreCase) ? "call"
        : path.Equals("/api/chat/stream", StringComparison.OrdinalIgnoreCase) ? "stream"
        : path.Equals("/v1/chat/completions", StringComparison.OrdinalIgnoreCase) ? "openai"
        : null;
}
