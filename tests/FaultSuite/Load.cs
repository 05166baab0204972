using System.Collections.Concurrent;

namespace TenantChat.FaultSuite;

/// <summary>
/// Steady chat load: one worker per tenant and frontend, each sending a call at most every
/// <see cref="MinimumInterval"/>, until told to stop or <c>maxCalls</c> is reached. Workers are per tenant, so one
/// tenant's slow calls never hold back another's. Every prompt is unique, which lets the ledger be searched for a
/// call stored twice.
/// </summary>
public sealed class Load(TenantChatClient client, IReadOnlyList<FaultTenant> tenants, string name)
{
    /// <summary>About ten calls a second per worker: enough load to matter, not so much that two cores starve the cluster's probes.</summary>
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(100);

    private readonly ConcurrentQueue<ChatCall> _calls = new();
    private int _sent;
    private int _sentByWorkers;

    public IReadOnlyCollection<ChatCall> Calls => _calls;

    public IReadOnlyList<FaultTenant> Tenants => tenants;

    /// <summary>Runs until <paramref name="stop"/> is cancelled; calls already sent are awaited, never abandoned.</summary>
    public Task RunAsync(int maxCalls, CancellationToken stop) =>
        Task.WhenAll(tenants.SelectMany(tenant => Enumerable.Range(0, client.FrontendCount)
            .Select(frontend => Task.Run(() => WorkAsync(tenant, frontend, maxCalls, stop), CancellationToken.None))));

    /// <summary>
    /// Fresh calls for <paramref name="probed"/> every <paramref name="interval"/>, none waiting for another, so how soon a
    /// new caller is served shows even while earlier calls hang. Stops after <paramref name="maxRounds"/> or when told.
    /// </summary>
    public async Task ProbeAsync(IReadOnlyList<FaultTenant> probed, TimeSpan interval, int maxRounds, CancellationToken stop)
    {
        var sent = new List<Task>();
        for (var round = 0; round < maxRounds && !stop.IsCancellationRequested; round++)
        {
            sent.AddRange(probed.Select(tenant => SendAsync(tenant, round % client.FrontendCount)));
            try
            {
                await Task.Delay(interval, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await Task.WhenAll(sent);
    }

    /// <summary>True when every tenant had a call answered 200 that was sent at or after <paramref name="since"/>.</summary>
    public bool EveryTenantServedSince(TimeSpan since) => tenants.All(tenant => FirstSuccessSince(tenant, since) is not null);

    /// <summary>The first call of <paramref name="tenant"/> sent at or after <paramref name="since"/> that was answered 200.</summary>
    public ChatCall? FirstSuccessSince(FaultTenant tenant, TimeSpan since) => _calls
        .Where(call => call.Tenant == tenant.Index && call.Started >= since && call.Succeeded)
        .MinBy(call => call.Finished);

    private async Task WorkAsync(FaultTenant tenant, int frontend, int maxCalls, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (Interlocked.Increment(ref _sentByWorkers) > maxCalls)
            {
                return;
            }
            var next = SuiteClock.Now + MinimumInterval;
            await SendAsync(tenant, frontend);
            if (!await Wait.UntilTimeAsync(next, stop))
            {
                return;
            }
        }
    }

    private async Task SendAsync(FaultTenant tenant, int frontend)
    {
        var prompt = $"{name} call {Interlocked.Increment(ref _sent)} for tenant {tenant.Index} via frontend {frontend}: where is my order?";
        // A call once sent runs to its answer: stopping the load must not turn answers into client-side cancellations.
        _calls.Enqueue(await client.ChatAsync(tenant, frontend, prompt, CancellationToken.None));
    }
}
