using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Pages;

/// <summary>
/// CORS for the chat routes, driven by the tenant's <c>widget_origins</c>: a page on a listed site (where the
/// widget runs) may call the tenant's domain from the browser; any other site's browser request is refused
/// (403 <c>forbidden</c>, no CORS headers, so the browser also hides the answer). Requests from the tenant's own
/// domain (its chat page) and requests without <c>Origin</c> (servers, curl) are not affected. It runs before
/// tenant resolution so that refusals such as a suspension reach the widget readable.
/// </summary>
public sealed class WidgetCors(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext httpContext, HostTenantResolver resolver, IClusterClient orleans)
    {
        var request = httpContext.Request;
        if (!request.Path.StartsWithSegments("/api/chat") || request.Headers.Origin is not [{ } origin, ..]
            || !HostNames.TryNormalize(request.Host.Host, out var domain) || IsSameHost(origin, domain))
        {
            await next(httpContext);
            return;
        }
        if (await resolver.ResolveAsync(domain) is not { } tenantId)
        {
            await next(httpContext); // resolution answers unknown_tenant
            return;
        }
        var response = httpContext.Response;
        response.Headers.Vary = "Origin";
        var tenant = await orleans.GetGrain<ITenantGrain>(tenantId).GetAsync();
        var allowed = tenant is not null && WidgetOrigin.TryNormalize(origin, out var normalized)
            && tenant.Settings.WidgetOrigins.Contains(normalized);
        if (allowed)
        {
            response.Headers.AccessControlAllowOrigin = origin;
        }
        if (HttpMethods.IsOptions(request.Method))
        {
            if (allowed)
            {
                response.Headers.AccessControlAllowMethods = "GET, POST";
                response.Headers.AccessControlAllowHeaders = "Content-Type";
                response.Headers.AccessControlMaxAge = "600";
            }
            response.StatusCode = StatusCodes.Status204NoContent;
            return;
        }
        if (!allowed)
        {
            await new ApiProblem(ProblemCode.Forbidden, "This site is not among the tenant's widget_origins.").ExecuteAsync(httpContext);
            return;
        }
        await next(httpContext);
    }

    /// <summary>The tenant's own pages: the origin's host is the request's host (the port does not pick the tenant).</summary>
    private static bool IsSameHost(string origin, string domain) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && HostNames.TryNormalize(uri.IdnHost, out var host) && host == domain;
}
