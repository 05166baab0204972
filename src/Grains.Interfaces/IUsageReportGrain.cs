using TenantChat.Grains.Models;

namespace TenantChat.Grains;

/// <summary>Cost and usage summed by the database from the stored messages. Stateless.</summary>
public interface IUsageReportGrain : IGrainWithIntegerKey
{
    /// <summary>The cost in USD of the tenant's messages stored since <paramref name="since"/>.</summary>
    Task<decimal> CostSinceAsync(Guid tenantId, DateTimeOffset since);

    /// <summary>Per UTC day and model, <paramref name="from"/> to <paramref name="to"/> inclusive; every tenant's when <paramref name="tenantId"/> is null.</summary>
    Task<IReadOnlyList<DailyUsage>> DailyAsync(Guid? tenantId, DateOnly from, DateOnly to);
}
