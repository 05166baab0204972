using Orleans.Concurrency;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Usage;

[StatelessWorker]
public sealed class UsageReportGrain(UsageReportStore store) : Grain, IUsageReportGrain
{
    public Task<decimal> CostSinceAsync(Guid tenantId, DateTimeOffset since) => store.CostSinceAsync(tenantId, since);

    public Task<IReadOnlyList<DailyUsage>> DailyAsync(Guid? tenantId, DateOnly from, DateOnly to) => store.DailyAsync(tenantId, from, to);
}
