using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Observability;

/// <summary>
/// One chat call is one trace, from the frontend's HTTP request through the grain call on a silo, each upstream
/// attempt and the batched write, all recorded by the in-memory exporter the fixture adds to the frontend's tracer.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TracingTests(ClusterFixture fixture)
{
    [Fact]
    public async Task One_chat_call_is_one_trace_across_frontend_grain_upstream_and_database_continuing_the_callers_traceparent()
    {
        var tenant = await fixture.CreateTenantAsync("Traced tenant.");
        var traceId = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/chat/call") { Content = JsonContent.Create(new { prompt = "Where is my parcel?" }) };
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{callerSpan.ToHexString()}-01");

        using var response = await tenant.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var spans = await SpansOfAsync(traceId, spans => spans.Any(span => span.DisplayName == "chat_messages batch write")
            && spans.Any(span => span.DisplayName == "POST api/chat/call"));
        // The frontend's request span continues the caller's span (the fake upstream, in this process too, adds one more).
        var server = Assert.Single(spans, span => span.Source.Name == "Microsoft.AspNetCore" && span.ParentSpanId == callerSpan);
        Assert.Equal("POST api/chat/call", server.DisplayName);
        Assert.Equal(tenant.Id.ToString(), server.GetTagItem("tenantchat.tenant_id"));

        Assert.Contains(spans, span => span.Source.Name == "Microsoft.Orleans.Application" && span.Kind == ActivityKind.Client);
        Assert.Contains(spans, span => span.Source.Name == "Microsoft.Orleans.Application" && span.Kind == ActivityKind.Server);
        Assert.Contains(spans, span => span.DisplayName == "tenant.admission" && (string?)span.GetTagItem("tenantchat.tenant_id") == tenant.Id.ToString());
        Assert.Contains(spans, span => span.DisplayName == "tenant.settlement");

        var upstream = Assert.Single(spans, span => span.DisplayName == "upstream default");
        Assert.Equal("default", upstream.GetTagItem("tenantchat.upstream.provider"));
        Assert.Equal("openai", upstream.GetTagItem("gen_ai.request.model"));
        var attempt = Assert.Single(spans, span => span.Source.Name == "System.Net.Http" && span.ParentSpanId == upstream.SpanId);
        Assert.Equal(ActivityKind.Client, attempt.Kind);

        var write = Assert.Single(spans, span => span.DisplayName == "chat_messages batch write");
        Assert.Contains(spans, span => span.Source.Name == "Npgsql" && span.ParentSpanId == write.SpanId);
        AssertNoSecrets(spans, tenant.SystemPrompt, "Where is my parcel?");
    }

    [Fact]
    public async Task Retries_and_fallbacks_are_spans_of_their_own_with_provider_and_model()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:500] Traced failing tenant.", customize: body =>
            body["fallbacks"] = new JsonArray(new JsonObject { ["provider"] = ClusterFixture.BackupUpstream, ["model"] = "backup-model" }));
        var traceId = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/chat/call") { Content = JsonContent.Create(new { prompt = "Fall back, please." }) };
        request.Headers.Add("traceparent", $"00-{traceId.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");

        using var response = await tenant.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var spans = await SpansOfAsync(traceId, spans => spans.Any(span => span.DisplayName == "chat_messages batch write")
            && spans.Any(span => span.DisplayName == "POST api/chat/call"));
        var failed = Assert.Single(spans, span => span.DisplayName == "upstream default");
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        // The first attempt and the two configured retries, each its own HTTP span inside the route's span.
        Assert.Equal(3, spans.Count(span => span.Source.Name == "System.Net.Http" && span.ParentSpanId == failed.SpanId));
        var fallback = Assert.Single(spans, span => span.DisplayName == $"upstream {ClusterFixture.BackupUpstream}");
        Assert.Equal("backup-model", fallback.GetTagItem("gen_ai.request.model"));
        Assert.Equal(ActivityStatusCode.Unset, fallback.Status);
        AssertNoSecrets(spans, tenant.SystemPrompt, "Fall back, please.");
    }

    /// <summary>
    /// Span names and attributes carry ids, providers and models, never what a caller or tenant wrote. The fake
    /// upstream runs in this process and records its own request spans; those are the provider's, not ours.
    /// </summary>
    private static void AssertNoSecrets(List<Activity> spans, params string[] secrets)
    {
        var upstreamRequests = spans.Where(span => span.Source.Name == "System.Net.Http").Select(span => span.SpanId).ToHashSet();
        foreach (var span in spans.Where(span => !upstreamRequests.Contains(span.ParentSpanId)))
        {
            var texts = span.TagObjects.Select(tag => Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) ?? "")
                .Append(span.DisplayName).Append(span.StatusDescription ?? "");
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(texts, text => text.Contains(secret, StringComparison.Ordinal)
                    || text.Contains(Uri.EscapeDataString(secret), StringComparison.Ordinal));
            }
        }
    }

    private async Task<List<Activity>> SpansOfAsync(ActivityTraceId traceId, Func<List<Activity>, bool> complete)
    {
        var spans = Snapshot(traceId);
        for (var attempt = 0; attempt < 50 && !complete(spans); attempt++)
        {
            await Task.Delay(100);
            spans = Snapshot(traceId);
        }
        return spans;
    }

    private List<Activity> Snapshot(ActivityTraceId traceId)
    {
        lock (fixture.Spans)
        {
            return [.. fixture.Spans.ToArray().Where(span => span.TraceId == traceId)];
        }
    }
}
