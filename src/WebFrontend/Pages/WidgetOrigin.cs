using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Pages;

/// <summary>
/// A web origin as browsers send it in <c>Origin</c>: <c>scheme://host[:port]</c>, http or https, lower case, the
/// default port left out. Stored and compared only in this form, so "HTTPS://Shop.Example.com:443/" and
/// "https://shop.example.com" are the same site.
/// </summary>
public static class WidgetOrigin
{
    public static bool TryNormalize(string? text, out string origin)
    {
        origin = "";
        if (string.IsNullOrWhiteSpace(text) || text.Length > 300
            || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https")
            || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.AbsolutePath != "/"
            || !HostNames.TryNormalize(uri.IdnHost, out var host))
        {
            return false;
        }
        origin = uri.IsDefaultPort ? $"{uri.Scheme}://{host}" : $"{uri.Scheme}://{host}:{uri.Port}";
        return true;
    }
}
