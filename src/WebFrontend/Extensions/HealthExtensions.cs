using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Orleans.Runtime;

namespace TenantChat.WebFrontend.Extensions;

public static class HealthExtensions
{
    private static readonly string[] Ready = ["ready"];

    public static IServiceCollection AddFrontendHealthChecks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(_ => NpgsqlDataSource.Create(configuration.GetConnectionString("Postgres")!));
        services.AddHealthChecks()
            .AddCheck<PostgresReachable>("postgres", tags: Ready)
            .AddCheck<ClusterReachable>("orleans", tags: Ready);
        return services;
    }

    /// <summary><c>/health/live</c>: the process answers. <c>/health/ready</c>: database and cluster reachable.</summary>
    public static WebApplication MapHealthEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") });
        return app;
    }

    private sealed class PostgresReachable(NpgsqlDataSource db) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var command = db.CreateCommand("select 1");
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (NpgsqlException)
            {
                return HealthCheckResult.Unhealthy("database unreachable");
            }
        }
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
