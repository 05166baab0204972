using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Orleans.Runtime;

namespace TenantChat.Silo.Extensions;

public static class HealthExtensions
{
    private static readonly string[] Ready = ["ready"];

    public static IServiceCollection AddSiloHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<PostgresReachable>("postgres", tags: Ready)
            .AddCheck<SiloActive>("orleans", tags: Ready);
        return services;
    }

    /// <summary><c>/health/live</c>: the process answers. <c>/health/ready</c>: database reachable, silo active.</summary>
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

    private sealed class SiloActive(ISiloStatusOracle oracle) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(oracle.CurrentStatus == SiloStatus.Active
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"silo is {oracle.CurrentStatus}"));
    }
}
