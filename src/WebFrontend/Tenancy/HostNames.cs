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
        if (IsPlainAscii(candidate))
        {
            candidate = candidate.ToLowerInvariant();
        }
        else
        {
            try
            {
                candidate = Idn.GetAscii(candidate).ToLowerInvariant();
            }
            catch (ArgumentException)
            {
                return false;
            }
        }
        if (candidate.Split('.').Any(label => label.Length is 0 or > 63 || label.StartsWith('-') || label.EndsWith('-')))
        {
            return false;
        }
        domain = candidate;
        return true;
    }

    /// <summary>
    /// Letters, digits, hyphens and dots, and no "--" (so no punycode label, nor a hyphen in the 3rd and 4th place,
    /// which IDN also checks): IDN would only lower its case, and the label checks that follow do the rest. Every
    /// request's host takes this path; IDN took about 1.5% of the frontend's CPU at c=8 (docs/benchmarks.md,
    /// "Profile of the c=8 path").
    /// </summary>
    private static bool IsPlainAscii(string host)
    {
        foreach (var c in host)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.'))
            {
                return false;
            }
        }
        return !host.Contains("--", StringComparison.Ordinal);
    }
}
