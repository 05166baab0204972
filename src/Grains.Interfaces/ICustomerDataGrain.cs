using TenantChat.Grains.Models;

namespace TenantChat.Grains;

/// <summary>
/// A tenant's customer data. Every query is scoped to the given tenant: another tenant's id is simply not found.
/// Each write is also the tenant's knowledge: it is indexed in the background, and refused (<see cref="ProblemCode.Conflict"/>)
/// when its chunks would take the tenant's knowledge past its cap.
/// </summary>
public interface ICustomerDataGrain : IGrainWithIntegerKey
{
    Task<Outcome<CustomerDataItem>> CreateAsync(Guid tenantId, CustomerDataInput input);

    /// <summary>Newest first.</summary>
    Task<Page<CustomerDataItem>> ListAsync(Guid tenantId, int limit, PageKey? after);

    Task<CustomerDataItem?> GetAsync(Guid tenantId, Guid id);

    Task<Outcome<CustomerDataItem>> UpdateAsync(Guid tenantId, Guid id, CustomerDataInput input);

    Task<bool> DeleteAsync(Guid tenantId, Guid id);
}
