using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace TenantChat.WebFrontend.Accounts;

/// <summary>The caller's address as sign-in throttling counts it.</summary>
public static class ClientAddress
{
    /// <summary>
    /// The IPv4 address; for IPv6 its /64 network, since one host usually holds a whole /64 and could otherwise
    /// step to a fresh address for every guess. Behind a known proxy <see cref="Tenancy.TrustedProxyHost"/> has
    /// already put the forwarded client address here.
    /// </summary>
    public static string Of(HttpContext httpContext)
    {
        var address = httpContext.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return string.Create(CultureInfo.InvariantCulture, $"{new IPAddress(bytes)}/64");
    }
}
