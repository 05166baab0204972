using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Tenancy;

[Collection(ClusterCollection.Name)]
public sealed class TenantResolutionTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData("X-Forwarded-Host")]
    [InlineData("Forwarded")]
    public async Task Forwarded_host_headers_from_an_unlisted_address_cannot_select_another_tenant(string header)
    {
        var caller = await fixture.CreateTenantAsync("Caller tenant.");
        var victim = await fixture.CreateTenantAsync("Victim tenant.");
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/chat/call")
        {
            Content = new StringContent("{\"prompt\":\"whose answer is this?\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(header, header == "Forwarded" ? $"host={victim.Domain}" : victim.Domain);

        using var response = await caller.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(fixture.Upstream.CallsFor(caller.SystemPrompt));
        Assert.Empty(fixture.Upstream.CallsFor(victim.SystemPrompt));
    }

    [Fact]
    public async Task A_listed_proxy_may_forward_the_tenant_host()
    {
        var tenant = await fixture.CreateTenantAsync("Behind a proxy tenant.");
        using var behindProxy = fixture.Frontend.WithWebHostBuilder(web =>
        {
            web.UseSetting("ForwardedHeaders:KnownProxies:0", "10.9.8.7");
            web.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new RemoteAddress(IPAddress.Parse("10.9.8.7"))));
        });
        using var client = behindProxy.CreateClient(new() { BaseAddress = new Uri("http://frontend.internal/") });
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/chat/call")
        {
            Content = new StringContent("{\"prompt\":\"via proxy\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Forwarded-Host", tenant.Domain);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt));
    }

    /// <summary>TestServer has no socket: this gives requests the address a proxy would connect from.</summary>
    private sealed class RemoteAddress(IPAddress address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, following) =>
            {
                context.Connection.RemoteIpAddress = address;
                return following(context);
            });
            next(app);
        };
    }

    [Fact]
    public async Task Health_endpoints_report_live_and_ready()
    {
        using var client = fixture.ClientFor("ops.test");

        using var live = await client.GetAsync("health/live");
        using var ready = await client.GetAsync("health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }
}
