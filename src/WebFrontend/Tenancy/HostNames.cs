using System.Globalization;

namespace TenantChat.WebFrontend.Tenancy;

/// <summary>
/// One normal form for host names, used both for stored tenant domains and for incoming hosts: lower case,
/// IDN as punycode, no trailing dot, letters/digits/hyphens only (so no scheme, port, path or wildcard).
/// </summary>
public static class HostNames
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true, AllowUnassigned = false };

    public static bool TryNormalize(string? host, out string domain)
    {
        domain = string.Empty;
        if (string.IsNullOrWhiteSpace(host))
        {
            return false;
        }
        var candidate = host.EndsWith('.') ? host[..^1] : host;
        if (candidate.Length == 0 || candidate.Length > 253)
        {
            return false;
        }
        try
        {
            candidate = Idn.GetAscii(candidate).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            return false;
        }
        if (candidate.Split('.').Any(label => label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-')))
        {
            return false;
        }
        domain = candidate;
        return true;
    }
}
