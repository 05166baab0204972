using System.Net;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Observability;

/// <summary>What the metrics tests do around a call: check its answer, and read <c>/metrics</c> once it has counted.</summary>
internal static class MetricsCalls
{
    public static (string, string) Tenant(TestTenants.Tenant tenant) => ("tenant", tenant.Id.ToString());

    public static async Task<JsonObject> OkAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    public static async Task RefusedAsync(Task<HttpResponseMessage> call, HttpStatusCode status, string code)
    {
        using var response = await call;
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, (await response.JsonAsync())["code"]!.GetValue<string>());
    }

    /// <summary>Scrapes until <paramref name="ready"/> holds (five seconds at most): the frontend counts a call as it answers.</summary>
    public static async Task<PrometheusText> WaitForAsync(HttpClient scraper, Func<PrometheusText, bool> ready)
    {
        var metrics = await PrometheusText.ScrapeAsync(scraper);
        for (var attempt = 0; attempt < 50 && !ready(metrics); attempt++)
        {
            await Task.Delay(100);
            metrics = await PrometheusText.ScrapeAsync(scraper);
        }
        return metrics;
    }
}
