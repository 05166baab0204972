// Compiled into both processes (linked from src/Shared): the health endpoints and the database check are the same
// for the silo and the frontend; only their cluster check differs.
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace TenantChat.Shared;

public static class HealthEndpoints
{
    private static readonly string[] Ready = ["ready"];

    /// <summary>Readiness checks: the database, and <typeparamref name="TClusterCheck"/> for this process's view of the cluster.</summary>
    public static IServiceCollection AddReadinessChecks<TClusterCheck>(this IServiceCollection services)
        where TClusterCheck : class, IHealthCheck
    {
        services.AddHealthChecks()
            .AddCheck<PostgresReachable>("postgres", tags: Ready)
            .AddCheck<TClusterCheck>("orleans", tags: Ready);
        return services;
    }

    /// <summary><c>/health/live</c>: the process answers. <c>/health/ready</c>: every readiness check passes.</summary>
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
}
