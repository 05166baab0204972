using System.Net;
using System.Net.Http.Json;
using TenantChat.Tests.Infrastructure;
using static TenantChat.Tests.Observability.MetricsCalls;

namespace TenantChat.Tests.Observability;

/// <summary>
/// Chat calls refused before any tenant is known: counted by the frontend as refusals with no tenant label, once each.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class HostRefusalMetricsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Calls_to_an_unknown_host_are_counted_as_unknown_tenant_refusals_once_each()
    {
        using var scraper = fixture.ClientFor("metrics.test");
        var before = await PrometheusText.ScrapeAsync(scraper);
        using var nobody = fixture.ClientFor($"nobody-{Guid.NewGuid():N}.test");
        var tenant = await fixture.CreateTenantAsync("Metrics tenant on a known host.");

        await RefusedAsync(nobody.ChatAsync("Anyone there?"), HttpStatusCode.NotFound, "unknown_tenant");
        using (var stream = await nobody.PostAsJsonAsync("api/chat/stream", new { prompt = "Anyone there?" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, stream.StatusCode);
        }
        await OkAsync(tenant.Client.ChatAsync("Known host."));

        var after = await WaitForAsync(scraper, m => m.Sum("tenantchat_chat_calls_total", Tenant(tenant)) == 1);
        var refused = "tenantchat_refusals_total";
        Assert.Equal(2, after.Sum(refused, ("code", "unknown_tenant")) - before.Sum(refused, ("code", "unknown_tenant")));
        Assert.Equal(2, after.Sum("tenantchat_chat_calls_total", ("outcome", "unknown_tenant")) - before.Sum("tenantchat_chat_calls_total", ("outcome", "unknown_tenant")));
        Assert.Equal(0, after.Sum(refused, Tenant(tenant)));
    }

    [Fact]
    public async Task Calls_with_a_malformed_host_are_counted_as_validation_refusals_without_a_tenant()
    {
        using var scraper = fixture.ClientFor("metrics.test");
        var before = await PrometheusText.ScrapeAsync(scraper);

        foreach (var host in new[] { "bad_host!", "-leading-hyphen.test" })
        {
            var context = await fixture.ChatWithRawHostAsync(host);
            Assert.Equal(400, context.Response.StatusCode);
        }

        var refused = "tenantchat_refusals_total";
        var code = ("code", "validation_failed");
        var after = await WaitForAsync(scraper, m => m.Sum(refused, code, ("tenant", "")) - before.Sum(refused, code, ("tenant", "")) >= 2);
        Assert.Equal(2, after.Sum(refused, code, ("tenant", "")) - before.Sum(refused, code, ("tenant", "")));
        Assert.Equal(2, after.Sum("tenantchat_chat_calls_total", ("outcome", "validation_failed"), ("tenant", ""))
            - before.Sum("tenantchat_chat_calls_total", ("outcome", "validation_failed"), ("tenant", "")));
    }
}
