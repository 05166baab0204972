using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;
using TenantChat.Shared;

namespace TenantChat.Silo.Extensions;

public static class HealthExtensions
{
    /// <summary>Ready when the database answers and this silo is an active cluster member.</summary>
    public static IServiceCollection AddSiloHealthChecks(this IServiceCollection services) => services.AddReadinessChecks<SiloActive>();

    private sealed class SiloActive(ISiloStatusOracle oracle) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(oracle.CurrentStatus == SiloStatus.Active
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"silo is {oracle.CurrentStatus}"));
    }
}
