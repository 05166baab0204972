using System.Net;

namespace TenantChat.WebFrontend.Tenancy;

/// <summary>
/// Behind a reverse proxy the tenant's host arrives in <c>X-Forwarded-Host</c> or <c>Forwarded: host=</c>.
/// Those headers are believed only from the proxies listed in <c>ForwardedHeaders:KnownProxies</c>; from anyone
/// else they are ignored, so a caller cannot pick another tenant by sending them. From such a proxy the caller's
/// address is taken from <c>X-Forwarded-For</c> too.
/// </summary>
public sealed class TrustedProxyHost(RequestDelegate next, IConfiguration configuration)
{
    private readonly HashSet<IPAddress> _proxies =
        [.. (configuration.GetSection("ForwardedHeaders:KnownProxies").Get<string[]>() ?? []).Select(IPAddress.Parse)];

    public Task InvokeAsync(HttpContext httpContext)
    {
        var remote = httpContext.Connection.RemoteIpAddress;
        if (_proxies.Count > 0 && remote is not null && _proxies.Contains(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote))
        {
            if (ForwardedHost(httpContext.Request.Headers) is { Length: > 0 } host)
            {
                httpContext.Request.Host = new HostString(host);
            }
            // The caller's address, for sign-in throttling: the one the proxy appended last (earlier ones are the
            // caller's own claims).
            if (IPAddress.TryParse(httpContext.Request.Headers["X-Forwarded-For"].LastOrDefault()?.Split(',')[^1].Trim(), out var client))
            {
                httpContext.Connection.RemoteIpAddress = client;
            }
        }
        return next(httpContext);
    }

    /// <summary>The host the nearest proxy saw: the last value it appended.</summary>
    private static string? ForwardedHost(IHeaderDictionary headers)
    {
        if (headers["X-Forwarded-Host"].LastOrDefault() is { Length: > 0 } forwardedHost)
        {
            return forwardedHost.Split(',')[^1].Trim();
        }
        var forwarded = headers["Forwarded"].LastOrDefault()?.Split(',')[^1];
        return forwarded?.Split(';')
            .Select(pair => pair.Trim().Split('=', 2))
            .Where(pair => pair.Length == 2 && pair[0].Equals("host", StringComparison.OrdinalIgnoreCase))
            .Select(pair => pair[1].Trim('"'))
            .LastOrDefault();
    }
}
