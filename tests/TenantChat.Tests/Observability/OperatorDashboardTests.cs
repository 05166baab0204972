extern alias SiloHost;

using Microsoft.AspNetCore.Http;
using SiloHost::TenantChat.Silo.Extensions;

namespace TenantChat.Tests.Observability;

/// <summary>The silo's Orleans dashboard answers only requests carrying the operator key.</summary>
public sealed class OperatorDashboardTests
{
    private const string Key = "operator-key-for-the-dashboard";

    [Theory]
    [InlineData("Bearer " + Key, true)]
    [InlineData("Basic b3BlcmF0b3I6b3BlcmF0b3Ita2V5LWZvci10aGUtZGFzaGJvYXJk", true)] // operator:operator-key-for-the-dashboard
    [InlineData("Bearer wrong-key", false)]
    [InlineData("Basic b3BlcmF0b3I6d3Jvbmc=", false)] // operator:wrong
    [InlineData("Basic not-base64!", false)]
    [InlineData("", false)]
    public async Task Only_the_operator_key_opens_the_dashboard(string authorization, bool admitted)
    {
        var reached = false;
        var gate = new OperatorKeyGate(_ => { reached = true; return Task.CompletedTask; }, Key);
        var context = new DefaultHttpContext();
        context.Request.Path = OperatorDashboard.Path;
        context.Request.Headers.Authorization = authorization;

        await gate.InvokeAsync(context);

        Assert.Equal(admitted, reached);
        Assert.Equal(admitted ? 200 : 401, context.Response.StatusCode);
        if (!admitted)
        {
            Assert.StartsWith("Basic realm=", context.Response.Headers.WWWAuthenticate.ToString(), StringComparison.Ordinal);
        }
    }
}
