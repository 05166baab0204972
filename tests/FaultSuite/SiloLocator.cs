using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using TenantChat.Grains;

namespace TenantChat.FaultSuite;

/// <summary>
/// Finds which silo hosts each tenant's grain, by joining the cluster as an Orleans client and asking the
/// management grain, so the silo the suite kills is the one serving the most tenants. Connect before the load
/// starts: starting a client on a busy two-core machine can take many seconds.
/// </summary>
public sealed class SiloLocator : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly SuiteSettings _settings;

    private SiloLocator(IHost host, SuiteSettings settings) => (_host, _settings) = (host, settings);

    public static async Task<SiloLocator> ConnectAsync(SuiteSettings settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Critical);
        // The default console lifetime would take over SIGTERM, and the harness could no longer stop the suite with it.
        builder.Services.AddSingleton<IHostLifetime, NoSignalsLifetime>();
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = settings.ClusterId;
                options.ServiceId = "tenantchat"; // the processes' default; the script sets only the cluster id
            });
            client.UseAdoNetClustering(options =>
            {
                options.Invariant = "Npgsql";
                // Unpooled, like the ledger: a connection pooled before a database restart fails its first query after.
                options.ConnectionString = new Npgsql.NpgsqlConnectionStringBuilder(settings.Postgres) { Pooling = false }.ConnectionString;
            });
        });
        var host = builder.Build();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await host.StartAsync(timeout.Token);
            return new SiloLocator(host, settings);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary><see cref="ConnectAsync"/>, or null (and a note in the report) when the cluster cannot be joined.</summary>
    public static async Task<SiloLocator?> TryConnectAsync(SuiteSettings settings)
    {
        try
        {
            return await ConnectAsync(settings);
        }
        catch (Exception e)
        {
            Report.Info($"could not join the cluster to see where tenants live ({e.GetType().Name}: {e.Message})");
            return null;
        }
    }

    /// <summary>
    /// The silo hosting the most of <paramref name="tenants"/>, by asking the cluster; the first silo, with every
    /// tenant counted as its, if the cluster cannot say. Disposes the locator first thing after asking, so the
    /// suite's own client is not part of the failover that follows.
    /// </summary>
    public static async Task<(string Silo, IReadOnlyList<FaultTenant> Tenants)> ChooseBusiestAsync(
        SiloLocator? locator, SuiteSettings settings, IReadOnlyList<FaultTenant> tenants)
    {
        if (locator is not null)
        {
            await using (locator)
            {
                try
                {
                    var located = await locator.LocateAsync(tenants);
                    foreach (var silo in settings.SiloPorts.Keys)
                    {
                        var hosted = located.TryGetValue(silo, out var list) ? list : [];
                        Report.Info($"{silo} hosts tenants [{string.Join(", ", hosted.Select(tenant => tenant.Index))}]");
                    }
                    if (located.Count > 0)
                    {
                        var busiest = located.MaxBy(entry => entry.Value.Count);
                        return (busiest.Key, busiest.Value);
                    }
                    Report.Info("the cluster located none of the tenants' grains");
                }
                catch (Exception e)
                {
                    Report.Info($"could not ask the cluster where the tenants live ({e.GetType().Name}: {e.Message})");
                }
            }
        }
        return (settings.SiloPorts.Keys.First(), tenants);
    }

    /// <summary>Silo name (as in <see cref="SuiteSettings.SiloPorts"/>) to the tenants whose grain it hosts.</summary>
    public async Task<Dictionary<string, List<FaultTenant>>> LocateAsync(IReadOnlyList<FaultTenant> tenants)
    {
        var orleans = _host.Services.GetRequiredService<IClusterClient>();
        var management = orleans.GetGrain<IManagementGrain>(0);
        var silosByPort = _settings.SiloPorts.ToDictionary(silo => silo.Value, silo => silo.Key);
        var located = new Dictionary<string, List<FaultTenant>>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        foreach (var tenant in tenants)
        {
            var address = await management.GetActivationAddress(orleans.GetGrain<ITenantGrain>(tenant.Id)).AsTask().WaitAsync(timeout.Token);
            if (address is not null && silosByPort.TryGetValue(address.Endpoint.Port, out var silo))
            {
                (located.TryGetValue(silo, out var hosted) ? hosted : located[silo] = []).Add(tenant);
            }
        }
        return located;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        finally
        {
            _host.Dispose();
        }
    }

    private sealed class NoSignalsLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
