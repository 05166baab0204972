using System.Diagnostics;
using TenantChat.Grains.Models;
using TenantChat.Telemetry;

namespace TenantChat.Grains.Upstreams;

/// <summary>
/// The upstreams the platform operator configured, by name: <c>default</c> from the <c>Ai</c> section, the others
/// from <c>Ai:Upstreams:{name}</c>. Tenants pick among these names; URLs and keys stay in the operator's hands.
/// Each upstream's client is reused across calls and renewed every couple of minutes, as the HttpClient factory
/// renews its handlers, so a changed DNS entry is followed.
/// </summary>
public sealed class ChatUpstreams
{
    private static readonly long RenewAfterMs = (long)TimeSpan.FromMinutes(2).TotalMilliseconds;

    private readonly Dictionary<string, Slot> _slots;

    public ChatUpstreams(IEnumerable<UpstreamFactory> factories, IServiceProvider services) =>
        _slots = factories.ToDictionary(factory => factory.Name, factory => new Slot(() => factory.Create(services)), StringComparer.Ordinal);

    public IReadOnlyCollection<string> Names => _slots.Keys;

    public IChatClient Default => Get(UpstreamRoute.DefaultUpstream);

    public bool Contains(string name) => _slots.ContainsKey(name);

    /// <summary>The upstream called <paramref name="name"/>; tenant settings naming an unknown one are refused when saved.</summary>
    public IChatClient Get(string name) =>
        _slots.TryGetValue(name, out var slot) ? slot.Get() : throw new UpstreamException(UpstreamFailure.Unavailable, $"No upstream is configured as '{name}'.");

    /// <summary>
    /// Asks <paramref name="routes"/> in order: the tenant's upstream, then its fallbacks. A route that fails (after
    /// its own retries) or whose circuit is open passes the call on, after telling <paramref name="fallingBack"/>;
    /// the last route's failure is the call's.
    /// </summary>
    public async Task<(UpstreamReply Reply, UpstreamRoute Route)> CompleteAsync(
        IReadOnlyList<UpstreamRoute> routes, UpstreamRequest request, Action<UpstreamRoute, UpstreamException> fallingBack)
    {
        for (var i = 0; ; i++)
        {
            var route = routes[i];
            using var span = TenantChatTracing.StartUpstream(route.Upstream, route.Model);
            var started = Stopwatch.GetTimestamp();
            try
            {
                var reply = await Get(route.Upstream).CompleteAsync(request with { Model = route.Model! });
                TenantChatMetrics.UpstreamCalled(route.Upstream, "ok", Stopwatch.GetElapsedTime(started));
                return (reply, route);
            }
            catch (UpstreamException e) when (Observe(route, started, span, e) && i < routes.Count - 1)
            {
                TenantChatMetrics.UpstreamFellBack(route.Upstream);
                fallingBack(route, e);
            }
        }
    }

    /// <summary>
    /// Opens a stream on the first of <paramref name="routes"/> whose first chunk arrives (or that ends cleanly); a
    /// route failing before that gives way to the next, as in <see cref="CompleteAsync"/>. Returns the open stream,
    /// its route, whether a first chunk waits in <c>Current</c>, and the last route's failure when every route failed.
    /// </summary>
    public async Task<(IAsyncEnumerator<UpstreamChunk> Chunks, UpstreamRoute Route, bool More, UpstreamException? Failure)> OpenStreamAsync(
        IReadOnlyList<UpstreamRoute> routes, UpstreamRequest request, CancellationToken cancellationToken)
    {
        for (var i = 0; ; i++)
        {
            var route = routes[i];
            var started = Stopwatch.GetTimestamp();
            (bool More, UpstreamException? Failure) first;
            var chunks = Get(route.Upstream).StreamAsync(request with { Model = route.Model! }, cancellationToken).GetAsyncEnumerator(cancellationToken);
            using (var span = TenantChatTracing.StartUpstream(route.Upstream, route.Model))
            {
                first = await NextAsync(chunks);
                if (first.Failure is { } e)
                {
                    Observe(route, started, span, e);
                }
                else
                {
                    // A stream's duration is its time to the first chunk: the rest is paced by the answer's length.
                    TenantChatMetrics.UpstreamCalled(route.Upstream, "ok", Stopwatch.GetElapsedTime(started));
                }
            }
            if (first.Failure is null || i == routes.Count - 1)
            {
                return (chunks, route, first.More, first.Failure);
            }
            TenantChatMetrics.UpstreamFellBack(route.Upstream);
            await chunks.DisposeAsync();
        }
    }

    /// <summary>Records a route's failure in its span and the upstream duration; always true, to serve as an exception filter.</summary>
    private static bool Observe(UpstreamRoute route, long started, Activity? span, UpstreamException e)
    {
        var outcome = e.Failure.ToString().ToLowerInvariant();
        TenantChatMetrics.UpstreamCalled(route.Upstream, outcome, Stopwatch.GetElapsedTime(started));
        span.Failed(outcome);
        return true;
    }

    /// <summary>The next chunk of a stream, or the failure that ended it.</summary>
    public static async Task<(bool More, UpstreamException? Failure)> NextAsync(IAsyncEnumerator<UpstreamChunk> chunks)
    {
        try
        {
            return (await chunks.MoveNextAsync(), null);
        }
        catch (UpstreamException e)
        {
            return (false, e);
        }
    }

    /// <summary>Null when every upstream the settings name is configured here (every silo runs the same configuration); else why not.</summary>
    public ServiceError? UnknownRoute(TenantSettings settings)
    {
        var (field, unknown) = Contains(settings.Upstream)
            ? ("fallbacks", settings.Fallbacks.FirstOrDefault(route => !Contains(route.Upstream))?.Upstream)
            : ("provider", settings.Upstream);
        return unknown is null
            ? null
            : new ServiceError(ProblemCode.ValidationFailed,
                $"{field}: no upstream is configured as '{unknown}'; configured: {string.Join(", ", Names.Order(StringComparer.Ordinal))}.");
    }

    /// <summary>How one named upstream's client is made.</summary>
    public sealed record class UpstreamFactory(string Name, Func<IServiceProvider, IChatClient> Create);

    private sealed class Slot(Func<IChatClient> create)
    {
        private IChatClient? _client;
        private long _renewAt;

        /// <summary>Two callers renewing at once each make a client; both work, one is kept.</summary>
        public IChatClient Get()
        {
            var now = Environment.TickCount64;
            if (Volatile.Read(ref _client) is { } client && now < Volatile.Read(ref _renewAt))
            {
                return client;
            }
            client = create();
            Volatile.Write(ref _renewAt, now + RenewAfterMs);
            Volatile.Write(ref _client, client);
            return client;
        }
    }
}
