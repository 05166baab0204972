using Orleans.Concurrency;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Governance;

[StatelessWorker]
public sealed class AuditLogGrain(AuditLogStore store) : Grain, IAuditLogGrain
{
    public Task<IReadOnlyList<AuditEntryView>> ListAsync(Guid? tenantId, int limit, long? beforeId) => store.ListAsync(tenantId, limit, beforeId);

    public Task<AuditVerification> VerifyAsync(Guid tenantId) => store.VerifyAsync(tenantId);
}
