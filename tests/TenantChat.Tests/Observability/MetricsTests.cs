using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using TenantChat.Grains.Knowledge;
using TenantChat.Tests.Infrastructure;
using TenantChat.Tests.Knowledge;
using static TenantChat.Tests.Observability.MetricsCalls;

namespace TenantChat.Tests.Observability;

/// <summary>
/// Contract section 16's metrics on <c>/metrics</c>, after calls whose outcomes are known. The fixture turns
/// <c>Metrics:TenantLabels</c> on, so each tenant's own series count exactly its own calls; the upstream and writer
/// series have no tenant label and are read as differences (the collection's tests run one at a time).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class MetricsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Metrics_count_exactly_the_calls_refusals_tokens_cache_hits_and_upstream_attempts_made()
    {
        using var scraper = fixture.ClientFor("metrics.test");
        var before = await PrometheusText.ScrapeAsync(scraper);
        var cached = await fixture.CreateTenantAsync("Metrics tenant with a cache.", customize: body =>
        {
            body["response_cache_seconds"] = 600;
            body["rate_limit_rpm"] = 4;
        });
        var tiny = await fixture.CreateTenantAsync("Metrics tenant with a tiny budget.", tokenLimit: 5);
        var failing = await fixture.CreateTenantAsync("[fake:500] Metrics tenant whose upstream fails.");

        var first = await OkAsync(cached.Client.ChatAsync("What are your opening hours?"));
        var second = await OkAsync(cached.Client.ChatAsync("Where are you?"));
        await OkAsync(cached.Client.ChatAsync("What are your opening hours?"));
        await RefusedAsync(cached.Client.ChatAsync("   "), HttpStatusCode.BadRequest, "validation_failed");
        await OkAsync(cached.Client.ChatAsync("Do you deliver?"));
        await RefusedAsync(cached.Client.ChatAsync("Too many?"), HttpStatusCode.TooManyRequests, "rate_limited");
        await RefusedAsync(tiny.Client.ChatAsync("Anything at all?"), HttpStatusCode.TooManyRequests, "token_limit_exceeded");
        await RefusedAsync(failing.Client.ChatAsync("Hello?"), HttpStatusCode.BadGateway, "upstream_error");

        // The frontend counts a call just after its response is sent: wait for the last one.
        var after = await WaitForAsync(scraper, m => m.Sum("tenantchat_chat_calls_total", Tenant(failing)) == 1);

        var calls = "tenantchat_chat_calls_total";
        Assert.Equal(4, after.Sum(calls, Tenant(cached), ("route", "call"), ("outcome", "ok")));
        Assert.Equal(1, after.Sum(calls, Tenant(cached), ("outcome", "validation_failed")));
        Assert.Equal(1, after.Sum(calls, Tenant(cached), ("outcome", "rate_limited")));
        Assert.Equal(6, after.Sum(calls, Tenant(cached)));
        Assert.Equal(1, after.Sum(calls, Tenant(tiny), ("outcome", "token_limit_exceeded")));
        Assert.Equal(1, after.Sum(calls, Tenant(failing), ("outcome", "upstream_error")));

        var refusals = "tenantchat_refusals_total";
        Assert.Equal(1, after.Sum(refusals, Tenant(cached), ("code", "validation_failed")));
        Assert.Equal(1, after.Sum(refusals, Tenant(cached), ("code", "rate_limited")));
        Assert.Equal(2, after.Sum(refusals, Tenant(cached)));
        Assert.Equal(1, after.Sum(refusals, Tenant(tiny), ("code", "token_limit_exceeded")));
        Assert.Equal(0, after.Sum(refusals, Tenant(failing)));

        Assert.Equal(1, after.Sum("tenantchat_cache_hits_total", Tenant(cached), ("kind", "response")));
        // The tokens charged are those of the stored messages: the ledger operators rely on.
        Assert.True(Usage(first, "prompt_tokens") + Usage(second, "prompt_tokens") > 0);
        Assert.Equal(await StoredTokensAsync(cached, "prompt_tokens"), after.Sum("tenantchat_tokens_total", Tenant(cached), ("kind", "prompt")));
        Assert.Equal(await StoredTokensAsync(cached, "completion_tokens"), after.Sum("tenantchat_tokens_total", Tenant(cached), ("kind", "completion")));
        Assert.Equal(0, after.Sum("tenantchat_tokens_total", Tenant(failing)));

        // Three calls reached the default upstream and were answered; one failed after its two retries.
        var upstream = "tenantchat_upstream_duration_seconds_count";
        Assert.Equal(3, Delta(upstream, ("provider", "default"), ("outcome", "ok")));
        Assert.Equal(1, Delta(upstream, ("provider", "default")) - 3);
        Assert.Equal(2, Delta("tenantchat_upstream_retries_total", ("provider", "default")));
        // Four messages stored (the cache hit is stored too): every one went through the batched writer.
        Assert.Equal(4, Delta("tenantchat_writer_batch_size_sum"));
        Assert.True(Delta("tenantchat_writer_commit_duration_seconds_count", ("outcome", "ok")) >= 1);

        double Delta(string name, params (string, string)[] labels) => after.Sum(name, labels) - before.Sum(name, labels);
    }

    [Fact]
    public async Task Metrics_name_every_instrument_of_the_contract_and_the_silo_health()
    {
        var tenant = await fixture.CreateTenantAsync("Metrics names tenant.");
        await OkAsync(tenant.Client.ChatAsync("Count me."));
        using var scraper = fixture.ClientFor("metrics.test");

        var metrics = await WaitForAsync(scraper, m => m.Sum("tenantchat_chat_calls_total", Tenant(tenant)) == 1);

        foreach (var family in new[]
        {
            "tenantchat_chat_calls_total", "tenantchat_tokens_total", "tenantchat_upstream_duration_seconds", "tenantchat_refusals_total",
            "tenantchat_cache_hits_total", "tenantchat_knowledge_search_duration_seconds",
        })
        {
            Assert.Contains($"# TYPE {family} ", metrics.Text, StringComparison.Ordinal);
        }
        Assert.Contains("# TYPE tenantchat_upstream_duration_seconds histogram", metrics.Text, StringComparison.Ordinal);
        Assert.Contains("# TYPE tenantchat_chat_calls_total counter", metrics.Text, StringComparison.Ordinal);
        Assert.True(metrics.Sum("tenantchat_tenant_activations") >= 1);
        Assert.True(metrics.Sum("orleans_catalog_activations") >= 1);
        Assert.Contains("tenantchat_writer_queue_depth", metrics.Names);
        Assert.InRange(metrics.Sum("tenantchat_tenant_budget_used", Tenant(tenant)), 1e-9, 0.01);
        // prometheus-net's own HTTP metrics are still there.
        Assert.Contains("http_requests_received_total", metrics.Names);
    }

    [Fact]
    public async Task Semantic_cache_hits_are_counted_apart_from_exact_ones()
    {
        var tenant = await fixture.CreateTenantAsync("Metrics tenant with both caches.", customize: body =>
        {
            body["response_cache_seconds"] = 600;
            body["semantic_cache"] = new JsonObject { ["enabled"] = true };
        });

        Assert.False((await OkAsync(tenant.Client.ChatAsync("How do I reset my password?")))["cached"]!.GetValue<bool>());
        Assert.True((await OkAsync(tenant.Client.ChatAsync("How do I reset my password?")))["cached"]!.GetValue<bool>());
        Assert.True((await OkAsync(tenant.Client.ChatAsync("How can I reset my password?")))["cached"]!.GetValue<bool>());
        Assert.True((await OkAsync(tenant.Client.ChatAsync("how can i reset my password")))["cached"]!.GetValue<bool>());

        using var scraper = fixture.ClientFor("metrics.test");
        var metrics = await WaitForAsync(scraper, m => m.Sum("tenantchat_chat_calls_total", Tenant(tenant)) == 4);
        var hits = "tenantchat_cache_hits_total";
        Assert.Equal(1, metrics.Sum(hits, Tenant(tenant), ("kind", "response")));
        Assert.Equal(2, metrics.Sum(hits, Tenant(tenant), ("kind", "semantic")));
        Assert.Equal(3, metrics.Sum(hits, Tenant(tenant)));
    }

    [Fact]
    public async Task The_embedding_queue_depth_rises_while_an_item_waits_for_the_workers_and_drains_after()
    {
        // A document of 640 chunks given to one silo's embedder: it queues all 20 batches at once, before the first
        // await, and its single worker takes one batch of 32 at a time, so the rest are still waiting when /metrics is
        // read straight after. (Waiting for a customer-data item instead raced the worker: a short item is taken as
        // soon as it is queued.)
        var silo = (InProcessSiloHandle)fixture.Cluster.GetActiveSilos().First();
        var embedder = silo.SiloHost.Services.GetRequiredService<SentenceEmbedder>();
        var chunks = Enumerable.Range(1, 640).Select(n => $"Step {n} of the metrics manual explains the next part.").ToArray();
        using var scraper = fixture.ClientFor("metrics.test");
        const string depth = "tenantchat_embedding_queue_depth";

        var embedding = embedder.EmbedDocumentAsync(chunks);
        var waiting = (await PrometheusText.ScrapeAsync(scraper)).Sum(depth);
        var vectors = await embedding;
        var drained = await WaitForAsync(scraper, m => m.Sum(depth) == 0);

        Assert.True(waiting > 0, "the embedding queue depth did not rise while the document waited");
        Assert.Equal(chunks.Length, vectors.Length);
        Assert.Equal(0, drained.Sum(depth));
    }

    [Fact]
    public async Task A_stream_that_fails_after_its_first_event_counts_as_its_error_not_ok()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:cut] Metrics tenant whose stream breaks.");

        var (response, events) = await tenant.Client.StreamEventsAsync("Tell me a long story.");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(JsonNode.Parse(events[0])!["delta"]);
        var code = JsonNode.Parse(events[^2])!["error"]!["code"]!.GetValue<string>();
        using var scraper = fixture.ClientFor("metrics.test");
        var metrics = await WaitForAsync(scraper, m => m.Sum("tenantchat_chat_calls_total", Tenant(tenant)) == 1);
        Assert.Equal(1, metrics.Sum("tenantchat_chat_calls_total", Tenant(tenant), ("route", "stream"), ("outcome", code)));
        Assert.Equal(0, metrics.Sum("tenantchat_chat_calls_total", Tenant(tenant), ("outcome", "ok")));
    }

    private static async Task<string> IndexStatusAsync(HttpClient user, Guid id) =>
        (await user.GetFromJsonAsync<JsonObject>($"api/customer-data/{id}"))!["index_status"]!.GetValue<string>();

    private static long Usage(JsonObject reply, string kind) => reply["usage"]![kind]!.GetValue<long>();

    private async Task<long> StoredTokensAsync(TestTenants.Tenant tenant, string kind)
    {
        await using var command = fixture.Database.CreateCommand($"select coalesce(sum({kind}), 0) from chat_messages where tenant_id = @id");
        command.Parameters.AddWithValue("id", tenant.Id);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
