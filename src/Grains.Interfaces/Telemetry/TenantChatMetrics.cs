using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using TenantChat.Grains.Models;

namespace TenantChat.Telemetry;

/// <summary>
/// The platform's own instruments (contract section 16), recorded by the code that knows each fact: the frontend
/// knows a chat call's route and outcome and its own validation refusals, the tenant grain its refusals, tokens and
/// cache hits, the upstream layer its attempts, retries and circuits, the writer its batches. Both processes export
/// them on <c>/metrics</c> (<c>PrometheusMeterBridge</c>). Names follow OpenTelemetry's convention; the Prometheus
/// name adds the unit and <c>_total</c>: <c>tenantchat.upstream.duration</c> in seconds is
/// <c>tenantchat_upstream_duration_seconds</c>. Labels never carry prompts; a tenant's id only when
/// <see cref="TenantLabels"/> is on (<c>Metrics:TenantLabels</c>), as it multiplies the series by the tenants.
/// </summary>
public static class TenantChatMetrics
{
    public const string MeterName = "TenantChat";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Buckets from 5 ms to a minute: upstream calls, searches and commits all fall in this range.</summary>
    private static readonly double[] SecondsBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    private static readonly int[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

    private static readonly Counter<long> ChatCalls = Meter.CreateCounter<long>("tenantchat.chat.calls", "{call}",
        "Chat calls by route (call, stream, openai) and outcome (ok, or the problem code)");

    private static readonly Counter<long> Refusals = Meter.CreateCounter<long>("tenantchat.refusals", "{call}",
        "Chat calls refused, by problem code");

    private static readonly Counter<long> Tokens = Meter.CreateCounter<long>("tenantchat.tokens", "{token}",
        "Tokens charged, by kind (prompt, completion)");

    private static readonly Counter<long> CacheHits = Meter.CreateCounter<long>("tenantchat.cache.hits", "{call}",
        "Calls answered from a cache, by kind (response, semantic)");

    private static readonly Histogram<double> UpstreamDuration = Meter.CreateHistogram<double>("tenantchat.upstream.duration", "s",
        "One route's upstream call (its retries included), by provider and outcome", advice: new() { HistogramBucketBoundaries = SecondsBuckets });

    private static readonly Counter<long> UpstreamRetries = Meter.CreateCounter<long>("tenantchat.upstream.retries", "{retry}",
        "Upstream requests retried after a transient failure, by provider");

    private static readonly Counter<long> UpstreamFallbacks = Meter.CreateCounter<long>("tenantchat.upstream.fallbacks", "{call}",
        "Calls passed on to the next route after a provider failed, by the provider that failed");

    /// <summary>
    /// The knowledge search's duration. Defined here so the dashboard and alerts can rely on it; recorded by the
    /// knowledge grain on every search and every retrieval for a chat call (<see cref="KnowledgeSearched"/>).
    /// </summary>
    private static readonly Histogram<double> KnowledgeSearchDuration = Meter.CreateHistogram<double>("tenantchat.knowledge.search.duration", "s",
        "One knowledge search (lexical and semantic) for a chat call", advice: new() { HistogramBucketBoundaries = SecondsBuckets });

    private static readonly Histogram<int> WriterBatchSize = Meter.CreateHistogram<int>("tenantchat.writer.batch.size", "{message}",
        "Messages per batched write", advice: new() { HistogramBucketBoundaries = BatchBuckets });

    private static readonly Histogram<double> WriterCommitDuration = Meter.CreateHistogram<double>("tenantchat.writer.commit.duration", "s",
        "One batched write's round trip and commit, by outcome", advice: new() { HistogramBucketBoundaries = SecondsBuckets });

    private static readonly UpDownCounter<int> WriterQueueDepth = Meter.CreateUpDownCounter<int>("tenantchat.writer.queue.depth", "{submission}",
        "Tenants' submissions waiting for the batched writer");

    /// <summary>Texts waiting for this process's embedding workers; recorded by the embedder as it queues and takes them (<see cref="EmbeddingQueueChanged"/>).</summary>
    private static readonly UpDownCounter<int> EmbeddingQueueDepth = Meter.CreateUpDownCounter<int>("tenantchat.embedding.queue.depth", "{text}",
        "Texts (questions and document chunks) waiting for the embedding workers");

    private static readonly UpDownCounter<int> TenantActivations = Meter.CreateUpDownCounter<int>("tenantchat.tenant.activations", "{grain}",
        "Tenant grains active on this silo");

    private static readonly Dictionary<string, int> CircuitStates = [];

    private static readonly ConcurrentDictionary<Guid, double> BudgetShares = new();

    /// <summary>Each instrument's label names (besides <c>tenant</c>), so every series family exists from the start.</summary>
    private static readonly Dictionary<string, string[]> Labels = new()
    {
        [ChatCalls.Name] = ["route", "outcome"],
        [Refusals.Name] = ["code"],
        [Tokens.Name] = ["kind"],
        [CacheHits.Name] = ["kind"],
        [UpstreamDuration.Name] = ["provider", "outcome"],
        [UpstreamRetries.Name] = ["provider"],
        [UpstreamFallbacks.Name] = ["provider"],
        [WriterCommitDuration.Name] = ["outcome"],
        ["tenantchat.upstream.circuit.open"] = ["provider"],
        ["tenantchat.tenant.budget.used"] = ["tenant"],
    };

    private static readonly HashSet<string> TenantLabelled = [ChatCalls.Name, Refusals.Name, Tokens.Name, CacheHits.Name, KnowledgeSearchDuration.Name];

    static TenantChatMetrics()
    {
        Meter.CreateObservableGauge("tenantchat.upstream.circuit.open", ObserveCircuits, "{circuit}",
            "1 while an upstream's circuit breaker is open (calls fail fast), 0 once it closes, by provider");
        Meter.CreateObservableGauge("tenantchat.tenant.budget.used", ObserveBudgets, "1",
            "Share of its token_limit a tenant active on this silo has used this period (only with Metrics:TenantLabels)");
    }

    /// <summary>Whether labels carry tenant ids (<c>Metrics:TenantLabels</c>); set once at start-up.</summary>
    public static bool TenantLabels { get; set; }

    /// <summary>The label names <paramref name="instrument"/>'s measurements carry, given <see cref="TenantLabels"/>.</summary>
    public static IReadOnlyList<string> LabelNamesOf(Instrument instrument)
    {
        var names = Labels.TryGetValue(instrument.Name, out var known) ? known : [];
        return TenantLabels && TenantLabelled.Contains(instrument.Name) ? [.. names, "tenant"] : names;
    }

    public static void ChatCallEnded(string route, string outcome, Guid? tenantId) =>
        ChatCalls.Add(1, WithTenant(new TagList { { "route", route }, { "outcome", outcome } }, tenantId));

    /// <summary>A refusal, by its contract code (<c>token_limit_exceeded</c>), counted by the code that decided it.</summary>
    public static void Refused(ProblemCode code, Guid? tenantId) => Refusals.Add(1, WithTenant(new TagList { { "code", CodeName(code) } }, tenantId));

    /// <summary>The contract's name of a problem code: <c>TokenLimitExceeded</c> → <c>token_limit_exceeded</c>.</summary>
    public static string CodeName(ProblemCode code) => JsonNamingPolicy.SnakeCaseLower.ConvertName(code.ToString());

    public static void TokensCharged(long prompt, long completion, Guid tenantId)
    {
        Tokens.Add(prompt, WithTenant(new TagList { { "kind", "prompt" } }, tenantId));
        Tokens.Add(completion, WithTenant(new TagList { { "kind", "completion" } }, tenantId));
    }

    /// <summary>The <c>kind</c> of a cache hit: the same prompt answered before (<c>response_cache_seconds</c>).</summary>
    public const string ResponseCache = "response";

    /// <summary>The <c>kind</c> of a cache hit: a similar prompt answered before (<c>semantic_cache</c>).</summary>
    public const string SemanticCache = "semantic";

    public static void CacheHit(string kind, Guid tenantId) => CacheHits.Add(1, WithTenant(new TagList { { "kind", kind } }, tenantId));

    public static void UpstreamCalled(string provider, string outcome, TimeSpan elapsed) =>
        UpstreamDuration.Record(elapsed.TotalSeconds, new TagList { { "provider", provider }, { "outcome", outcome } });

    public static void UpstreamRetried(string provider) => UpstreamRetries.Add(1, new TagList { { "provider", provider } });

    public static void UpstreamFellBack(string provider) => UpstreamFallbacks.Add(1, new TagList { { "provider", provider } });

    public static void CircuitChanged(string provider, bool open)
    {
        lock (CircuitStates)
        {
            CircuitStates[provider] = open ? 1 : 0;
        }
    }

    /// <summary>A tenant's share of its budget after a settlement; kept only with tenant labels, one series per tenant.</summary>
    public static void BudgetUsed(Guid tenantId, long tokensUsed, long tokenLimit)
    {
        if (TenantLabels && tokenLimit > 0)
        {
            BudgetShares[tenantId] = (double)tokensUsed / tokenLimit;
        }
    }

    /// <summary>The tenant left this silo: its next activation, wherever it is, reports its share.</summary>
    public static void BudgetForgotten(Guid tenantId) => BudgetShares.TryRemove(tenantId, out _);

    public static void KnowledgeSearched(TimeSpan elapsed, Guid tenantId) =>
        KnowledgeSearchDuration.Record(elapsed.TotalSeconds, WithTenant([], tenantId));

    public static void BatchWritten(int messages, TimeSpan elapsed, bool committed)
    {
        WriterBatchSize.Record(messages);
        WriterCommitDuration.Record(elapsed.TotalSeconds, new TagList { { "outcome", committed ? "ok" : "error" } });
    }

    public static void WriterQueueChanged(int delta) => WriterQueueDepth.Add(delta);

    public static void EmbeddingQueueChanged(int delta) => EmbeddingQueueDepth.Add(delta);

    public static void TenantActivationChanged(int delta) => TenantActivations.Add(delta);

    private static TagList WithTenant(TagList tags, Guid? tenantId)
    {
        // Always the same label names for one instrument: Prometheus wants one label set per metric.
        if (TenantLabels)
        {
            tags.Add("tenant", tenantId?.ToString() ?? "");
        }
        return tags;
    }

    private static IEnumerable<Measurement<double>> ObserveBudgets() =>
        [.. BudgetShares.Select(share => new Measurement<double>(share.Value, new KeyValuePair<string, object?>("tenant", share.Key.ToString())))];

    private static IEnumerable<Measurement<int>> ObserveCircuits()
    {
        lock (CircuitStates)
        {
            return [.. CircuitStates.Select(state => new Measurement<int>(state.Value, new KeyValuePair<string, object?>("provider", state.Key)))];
        }
    }
}
