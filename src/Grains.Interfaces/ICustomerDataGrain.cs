using TenantChat.Grains.Models;

namespace TenantChat.Grains;

/// <summary>A tenant's customer data. Every query is scoped to the given tenant: another tenant's id is simply not found.</summary>
public interface ICustomerDataGrain : IGrainWithIntegerKey
{
    Task<CustomerDataItem> CreateAsync(Guid tenantId, CustomerDataInput input);

    /// <summary>Newest first.</summary>
    Task<Page<CustomerDataItem>> ListAsync(Guid tenantId, int limit, PageKey? after);

    Task<CustomerDataItem?> GetAsync(Guid tenantId, Guid id);

    Task<CustomerDataItem?> UpdateAsync(Guid tenantId, Guid id, CustomerDataInput input);

    Task<bool> DeleteAsync(Guid tenantId, Guid id);
}
