using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Orleans.Runtime;
using TenantChat.Shared;

namespace TenantChat.WebFrontend.Extensions;

public static class HealthExtensions
{
    /// <summary>Ready when the database answers and at least one silo is active and reachable.</summary>
    public static IServiceCollection AddFrontendHealthChecks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => NpgsqlDataSource.Create(configuration.GetConnectionString("Postgres")!));
        return services.AddReadinessChecks<ClusterReachable>();
    }

    private sealed class ClusterReachable(IClusterClient orleans) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var hosts = orleans.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true, cancellationToken);
                var silos = await hosts.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
                return silos.Count > 0 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("no active silo");
            }
            catch (Exception e) when (e is OrleansException or TimeoutException)
            {
                return HealthCheckResult.Unhealthy("cluster unreachable");
            }
        }
    }
}
