using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Pages;

/// <summary>
/// The web pages (contract section 15), each a client of the public JSON API: the visitor chat on a tenant's
/// domain (<c>/</c>), the embeddable widget (<c>/widget.js</c>), the tenant console (<c>/console</c>) and the
/// operator console (<c>/operator</c>, any host). The HTML is static; everything tenant-specific is fetched by
/// the page's script from the API, so the pages hold no state and no tenant's data is ever rendered here.
/// </summary>
public static class PagesEndpoints
{
    public static IEndpointRouteBuilder MapPages(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", VisitorChatAsync).ExcludeFromDescription();
        app.MapGet("/console", TenantConsoleAsync).ExcludeFromDescription();
        app.MapGet("/operator", (PageAssets assets) => Page(assets, "operator.html")).ExcludeFromDescription();
        app.MapGet("/widget.js", (PageAssets assets) => Page(assets, "widget.js")).ExcludeFromDescription();
        app.MapGet("/assets/{name}", (string name, PageAssets assets) => Page(assets, name)).ExcludeFromDescription();
        return app;
    }

    /// <summary>The chat page, headed with the tenant's name, on an active tenant's domain; a page saying why not on any other host.</summary>
    private static async Task<IResult> VisitorChatAsync(HttpContext httpContext, PageAssets assets, HostTenantResolver resolver, IClusterClient orleans)
    {
        var (status, tenantId) = await TenantStatusAsync(httpContext, resolver, orleans);
        if (status == TenantPage.Active && await orleans.GetGrain<ITenantGrain>(tenantId).GetAsync() is { } tenant)
        {
            return new PageResult(VisitorPage.Render(assets.Find("chat.html")!, tenant.Settings.Name));
        }
        return status == TenantPage.Suspended
            ? Page(assets, "suspended.html", StatusCodes.Status403Forbidden)
            : Page(assets, "unknown.html", StatusCodes.Status404NotFound);
    }

    /// <summary>The console on any tenant's domain; a suspended tenant's users still sign in to read their data.</summary>
    private static async Task<IResult> TenantConsoleAsync(HttpContext httpContext, PageAssets assets, HostTenantResolver resolver, IClusterClient orleans) =>
        (await TenantStatusAsync(httpContext, resolver, orleans)).Status == TenantPage.Unknown
            ? Page(assets, "unknown.html", StatusCodes.Status404NotFound)
            : Page(assets, "console.html");

    private static async Task<(TenantPage Status, Guid TenantId)> TenantStatusAsync(HttpContext httpContext, HostTenantResolver resolver, IClusterClient orleans)
    {
        if (!HostNames.TryNormalize(httpContext.Request.Host.Host, out var domain) || await resolver.ResolveAsync(domain) is not { } tenantId)
        {
            return (TenantPage.Unknown, Guid.Empty);
        }
        var refused = await orleans.GetGrain<ITenantGrain>(tenantId).CheckAccessAsync(domain);
        if (refused?.Code == ProblemCode.UnknownTenant)
        {
            resolver.Forget(domain); // the domain moved or the tenant is gone; the next request looks again
        }
        var status = refused?.Code switch
        {
            null => TenantPage.Active,
            ProblemCode.TenantSuspended => TenantPage.Suspended,
            _ => TenantPage.Unknown,
        };
        return (status, tenantId);
    }

    private static IResult Page(PageAssets assets, string name, int statusCode = StatusCodes.Status200OK) =>
        assets.Find(name) is { } asset ? new PageResult(asset, statusCode) : Results.NotFound();

    private enum TenantPage
    {
        Unknown,
        Active,
        Suspended,
    }
}
