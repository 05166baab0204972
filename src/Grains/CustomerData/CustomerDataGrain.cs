using Orleans.Concurrency;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.CustomerData;

[StatelessWorker]
public sealed class CustomerDataGrain(CustomerDataStore store, TimeProvider clock) : Grain, ICustomerDataGrain
{
    public Task<CustomerDataItem> CreateAsync(Guid tenantId, CustomerDataInput input) =>
        store.InsertAsync(tenantId, Guid.CreateVersion7(), input, clock.GetUtcNow());

    public async Task<Page<CustomerDataItem>> ListAsync(Guid tenantId, int limit, PageKey? after)
    {
        // Ids are time-ordered (UUIDv7): records added while a caller pages sort before its cursor, so every
        // record that existed when paging began is seen exactly once.
        var rows = await store.ListAsync(tenantId, limit + 1, after?.Id);
        var items = rows.Take(limit).ToArray();
        return new Page<CustomerDataItem>([.. items], rows.Count > limit ? new PageKey(null, items[^1].Id) : null);
    }

    public Task<CustomerDataItem?> GetAsync(Guid tenantId, Guid id) => store.FindAsync(tenantId, id);

    public Task<CustomerDataItem?> UpdateAsync(Guid tenantId, Guid id, CustomerDataInput input) =>
        store.UpdateAsync(tenantId, id, input, clock.GetUtcNow());

    public Task<bool> DeleteAsync(Guid tenantId, Guid id) => store.DeleteAsync(tenantId, id);
}
