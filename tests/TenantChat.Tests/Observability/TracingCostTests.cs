using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;
using TenantChat.Shared;
using TenantChat.Telemetry;

namespace TenantChat.Tests.Observability;

/// <summary>
/// What tracing costs when it is not wanted. Off, nothing of it is registered. Our own spans cost nothing inside a
/// trace the sampler left out: none is started. In a sampled trace they are started with their tags, and a batch
/// write is parented and linked to its sampled callers only.
/// </summary>
public sealed class TracingCostTests : IDisposable
{
    private readonly ActivityListener _listener = new()
    {
        ShouldListenTo = source => source.Name == TenantChatTracing.SourceName,
        // Like OpenTelemetry's parent-based sampler: follow the parent's decision, keep new traces.
        Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
            options.Parent == default || options.Parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded)
                ? ActivitySamplingResult.AllDataAndRecorded
                : ActivitySamplingResult.PropagationData,
    };

    public TracingCostTests() => ActivitySource.AddActivityListener(_listener);

    [Fact]
    public void With_tracing_off_no_tracer_and_no_instrumentation_is_registered()
    {
        var off = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Tracing:SampleRatio"] = "0.1" }).Build();
        var on = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Tracing:Enabled"] = "true" }).Build();

        Assert.Empty(new ServiceCollection().AddTracing(off, "tenantchat-test"));
        using var traced = new ServiceCollection().AddTracing(on, "tenantchat-test").BuildServiceProvider();
        Assert.NotNull(traced.GetService<TracerProvider>());
    }

    [Fact]
    public void Inside_an_unsampled_trace_no_span_of_ours_is_started()
    {
        using var request = Request(ActivityTraceFlags.None);

        Assert.Null(TenantChatTracing.StartTenantStep("tenant.admission", Guid.NewGuid()));
        Assert.Null(TenantChatTracing.StartUpstream("default", "gpt"));
        Assert.Same(request, Activity.Current);
    }

    [Fact]
    public void Inside_a_sampled_trace_our_spans_are_children_with_their_tags()
    {
        var tenantId = Guid.NewGuid();
        using var request = Request(ActivityTraceFlags.Recorded);

        using var step = TenantChatTracing.StartTenantStep("tenant.settlement", tenantId);
        Assert.NotNull(step);
        Assert.Equal(request.TraceId, step.TraceId);
        Assert.Equal(tenantId.ToString(), step.GetTagItem(TenantChatTracing.TenantIdTag));
        using var upstream = TenantChatTracing.StartUpstream("backup", "mistral");
        Assert.Equal("upstream backup", upstream!.DisplayName);
        Assert.Equal("mistral", upstream.GetTagItem("gen_ai.request.model"));
    }

    [Fact]
    public void A_batch_write_follows_its_first_sampled_caller_and_links_only_the_sampled_ones()
    {
        var unsampled = Caller(ActivityTraceFlags.None);
        var first = Caller(ActivityTraceFlags.Recorded);
        var second = Caller(ActivityTraceFlags.Recorded);

        using (var write = TenantChatTracing.StartBatchWrite([unsampled, first, second, second], caller => caller, messages: 8))
        {
            Assert.NotNull(write);
            Assert.True(write.Recorded);
            Assert.Equal(first.TraceId, write.TraceId);
            Assert.Equal(second, Assert.Single(write.Links).Context);
            Assert.Equal(8, write.GetTagItem("tenantchat.batch.messages"));
        }

        using var unrecorded = TenantChatTracing.StartBatchWrite([unsampled, default], caller => caller, messages: 2);
        Assert.False(unrecorded?.Recorded ?? false);
        Assert.Empty(unrecorded?.Links ?? []);
    }

    private static Activity Request(ActivityTraceFlags flags)
    {
        var request = new Activity("request").SetParentId(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), flags).Start();
        request.ActivityTraceFlags = flags;
        return request;
    }

    private static ActivityContext Caller(ActivityTraceFlags flags) => new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), flags);

    public void Dispose() => _listener.Dispose();
}
