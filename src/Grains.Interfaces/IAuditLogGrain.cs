using TenantChat.Grains.Models;

namespace TenantChat.Grains;

/// <summary>Reads of the audit log: pages of entries and the verification of a tenant's chain. Stateless.</summary>
public interface IAuditLogGrain : IGrainWithIntegerKey
{
    /// <summary>Newest first; one tenant's entries, or every tenant's when <paramref name="tenantId"/> is null.</summary>
    Task<IReadOnlyList<AuditEntryView>> ListAsync(Guid? tenantId, int limit, long? beforeId);

    Task<AuditVerification> VerifyAsync(Guid tenantId);
}
