using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TenantChat.Tests.Browser;

/// <summary>
/// A tenant's own web site, on another loopback port (so another origin): <c>/?tenant=DOMAIN</c> is a page with
/// its own styles and the one <c>&lt;script&gt;</c> tag that adds the tenant's chat widget.
/// </summary>
public sealed class EmbeddingSite(WebApplication app, int port) : IAsyncDisposable
{
    public int Port { get; } = port;

    /// <summary>The site's page on <paramref name="host"/>, embedding the widget of <paramref name="tenantDomain"/>.</summary>
    public string PageUrl(string host, string tenantDomain) => $"http://{host}:{Port}/?tenant={Uri.EscapeDataString(tenantDomain)}";

    public string Origin(string host) => $"http://{host}:{Port}";

    public static async Task<EmbeddingSite> StartAsync(int frontendPort)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/", (string tenant) => Results.Content($$"""
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><title>Shop</title>
            <style>* { font-family: serif !important; color: #8b0000 !important; } button { background: lime; }</style></head>
            <body><main><h1>A shop that embeds the chat</h1><p>Our products.</p></main>
            <script src="http://{{WebUtility.HtmlEncode(tenant)}}:{{frontendPort}}/widget.js"></script></body>
            </html>
            """, "text/html"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new EmbeddingSite(app, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
