using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text;
using Prometheus;
namespace TenantChat.Telemetry;

/// <summary>
/// Publishes the <see cref="TenantChatMetrics"/> instruments, and the few Orleans instruments an operator needs, in
/// prometheus-net's registry, with Prometheus' own names and types: a <c>Counter</c> becomes a counter named
/// <c>..._total</c>, a histogram keeps the buckets its instrument advises, and a unit of seconds ends the name in
/// <c>_seconds</c>. Both processes serve it on <c>/metrics</c>, beside prometheus-net's HTTP metrics. One listener per
/// process (this assembly is shared by both), whatever number of hosts it runs: tests run silos beside a frontend.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "One listener for the life of the process.")]
public sealed class PrometheusMeterBridge
{
    /// <summary>The Orleans instruments worth a panel: activations and the silo's health.</summary>
    public static readonly IReadOnlySet<string> OrleansInstruments = new HashSet<string>(StringComparer.Ordinal)
    {
        "orleans-catalog-activations",
    };

    private static readonly Lazy<PrometheusMeterBridge> Instance = new(() => new PrometheusMeterBridge());

    private readonly MeterListener _listener = new();
    /// <summary>One collector per instrument, with the instrument's label names in order (each instrument keeps one label set).</summary>
    private readonly ConcurrentDictionary<Instrument, (Collector Collector, string[] LabelNames)> _collectors = new();

    private PrometheusMeterBridge()
    {
        // prometheus-net would also publish every meter on its own, under other names and as gauges.
        Metrics.ConfigureMeterAdapter(options => options.InstrumentFilterPredicate = instrument => !IsBridged(instrument));
        // Its EventCounter adapter repeats what the runtime's and ASP.NET Core's meters already publish, and listening
        // turns those event sources on in the process: Kestrel and hosting then raise an event, with its strings, on
        // every request, and the counters are polled by reflection every second.
        Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions { SuppressEventCounters = true });
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (IsBridged(instrument))
            {
                listener.EnableMeasurementEvents(instrument);
                if (instrument.Meter.Name == TenantChatMetrics.MeterName)
                {
                    // Every family on /metrics from the start, even one not yet recorded (the knowledge search's).
                    var names = TenantChatMetrics.LabelNamesOf(instrument).Order(StringComparer.Ordinal).ToArray();
                    _collectors.GetOrAdd(instrument, Create, names);
                }
            }
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
        Metrics.DefaultRegistry.AddBeforeCollectCallback(_listener.RecordObservableInstruments);
    }

    /// <summary>Starts the bridge once for this process.</summary>
    public static void EnsureStarted() => _ = Instance.Value;

    /// <summary>The Prometheus name of an instrument: <c>tenantchat.chat.calls</c> → <c>tenantchat_chat_calls_total</c>.</summary>
    public static string PrometheusName(Instrument instrument)
    {
        var name = new StringBuilder(instrument.Name.Length + 16);
        foreach (var c in instrument.Name)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_');
        }
        if (instrument.Unit == "s")
        {
            name.Append("_seconds");
        }
        if (IsCounter(instrument))
        {
            name.Append("_total");
        }
        return name.ToString();
    }

    private static bool IsBridged(Instrument instrument) =>
        instrument.Meter.Name == TenantChatMetrics.MeterName
        || (instrument.Meter.Name == "Microsoft.Orleans" && OrleansInstruments.Contains(instrument.Name));

    private static bool IsCounter(Instrument instrument) => instrument.GetType().GetGenericTypeDefinition() == typeof(Counter<>);

    /// <summary>
    /// Called on every measurement, so it allocates only the label values. An instrument's first measurement fixes its
    /// label names (the platform's are fixed in advance); a label missing later is recorded as empty.
    /// </summary>
    private void Record<T>(Instrument instrument, T measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        if (!_collectors.TryGetValue(instrument, out var entry))
        {
            var names = new string[tags.Length];
            for (var i = 0; i < tags.Length; i++)
            {
                names[i] = tags[i].Key;
            }
            Array.Sort(names, StringComparer.Ordinal);
            entry = _collectors.GetOrAdd(instrument, Create, names);
        }
        var (collector, labelNames) = entry;
        var values = new string[labelNames.Length];
        for (var i = 0; i < labelNames.Length; i++)
        {
            values[i] = "";
            foreach (var tag in tags)
            {
                if (tag.Key == labelNames[i])
                {
                    values[i] = tag.Value?.ToString() ?? "";
                    break;
                }
            }
        }
        var value = Convert.ToDouble(measurement, System.Globalization.CultureInfo.InvariantCulture);
        switch (collector)
        {
            case Counter counter:
                counter.WithLabels(values).Inc(value);
                break;
            case Histogram histogram:
                histogram.WithLabels(values).Observe(value);
                break;
            case Gauge gauge when instrument.IsObservable:
                gauge.WithLabels(values).Set(value);
                break;
            case Gauge gauge:
                gauge.WithLabels(values).Inc(value);
                break;
        }
    }

    private static (Collector, string[]) Create(Instrument instrument, string[] labelNames) => (CreateCollector(instrument, labelNames), labelNames);

    private static Collector CreateCollector(Instrument instrument, string[] labelNames)
    {
        var name = PrometheusName(instrument);
        var help = instrument.Description ?? instrument.Name;
        if (IsCounter(instrument))
        {
            return Metrics.CreateCounter(name, help, labelNames);
        }
        if (instrument is Histogram<double> seconds)
        {
            return Metrics.CreateHistogram(name, help, labelNames, new HistogramConfiguration { Buckets = seconds.Advice?.HistogramBucketBoundaries?.ToArray() });
        }
        if (instrument is Histogram<int> sizes)
        {
            return Metrics.CreateHistogram(name, help, labelNames,
                new HistogramConfiguration { Buckets = sizes.Advice?.HistogramBucketBoundaries?.Select(bound => (double)bound).ToArray() });
        }
        return Metrics.CreateGauge(name, help, labelNames);
    }
}
