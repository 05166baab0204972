using System.Globalization;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.Tests.Tenancy;

public sealed class HostNamesTests
{
    [Theory]
    [InlineData("tenant1.myapp.com", "tenant1.myapp.com")]
    [InlineData("Tenant1.MyApp.COM", "tenant1.myapp.com")]
    [InlineData("tenant1.myapp.com.", "tenant1.myapp.com")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    [InlineData("BÜCHER.example.", "xn--bcher-kva.example")]
    [InlineData("localhost", "localhost")]
    public void Host_names_normalize_to_lower_case_punycode_without_trailing_dot(string host, string expected)
    {
        Assert.True(HostNames.TryNormalize(host, out var domain));
        Assert.Equal(expected, domain);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData(".")]
    [InlineData("a..b")]
    [InlineData("*.myapp.com")]
    [InlineData("under_score.com")]
    [InlineData("-leading.com")]
    [InlineData("trailing-.com")]
    [InlineData("has space.com")]
    [InlineData("https://x.com")]
    [InlineData("x.com:80")]
    [InlineData("x.com/path")]
    public void Malformed_host_names_are_refused(string? host)
    {
        Assert.False(HostNames.TryNormalize(host, out _));
    }

    [Fact]
    public void A_label_longer_than_63_characters_is_refused()
    {
        Assert.False(HostNames.TryNormalize(new string('a', 64) + ".com", out _));
        Assert.True(HostNames.TryNormalize(new string('a', 63) + ".com", out _));
    }

    [Theory]
    [InlineData("Shop-1.Example.com")]
    [InlineData("xn--bcher-kva.example")]
    [InlineData("ab--cd.example")]
    [InlineData("xn--zz.example")]
    [InlineData("a.b.c.d")]
    public void Plain_ascii_hosts_normalize_exactly_as_idn_would(string host)
    {
        var idn = new IdnMapping { UseStd3AsciiRules = true, AllowUnassigned = false };
        string? expected;
        try
        {
            expected = idn.GetAscii(host).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            expected = null;
        }

        var accepted = HostNames.TryNormalize(host, out var domain);

        Assert.Equal(expected is not null, accepted);
        if (accepted)
        {
            Assert.Equal(expected, domain);
        }
    }
}
