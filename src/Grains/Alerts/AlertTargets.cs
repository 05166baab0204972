using System.Net;
using System.Net.Sockets;

namespace TenantChat.Grains.Alerts;

/// <summary>
/// Which webhook targets are allowed: http(s) URLs whose host is not loopback, private, link-local or otherwise
/// internal, unless <see cref="AlertOptions.AllowPrivateTargets"/>. Checked when the setting is saved (literal
/// addresses and <c>localhost</c>), and again on every connection (the addresses a name resolves to), so a name
/// that later points inside the network is refused too.
/// </summary>
public static class AlertTargets
{
    /// <summary>Null when <paramref name="url"/> may be used; else why not, safe to show the caller.</summary>
    public static string? Refusal(string url, bool allowPrivate)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.UserInfo.Length > 0)
        {
            return "alerts.webhook_url must be an absolute http or https URL without credentials.";
        }
        if (allowPrivate)
        {
            return null;
        }
        var host = uri.IdnHost.TrimEnd('.');
        var isInternal = host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IsInternal(address));
        return isInternal ? "alerts.webhook_url must not target a loopback or private address." : null;
    }

    public static bool IsInternal(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any))
        {
            return true;
        }
        var b = address.GetAddressBytes();
        return address.AddressFamily == AddressFamily.InterNetwork
            ? b[0] is 0 or 10 or 127 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168)
                || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] is >= 64 and <= 127)
            : (b[0] & 0xFE) == 0xFC || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal;
    }
}
