using Orleans.Concurrency;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Tenants;

[StatelessWorker]
public sealed class TenantDirectoryGrain(TenantStore tenants, TimeProvider clock) : Grain, ITenantDirectoryGrain
{
    public Task<Guid?> FindByDomainAsync(string domain) => tenants.FindIdByDomainAsync(domain);

    public async Task<Page<TenantView>> ListAsync(int limit, PageKey? after)
    {
        // One extra row tells whether there is a next page without a second query.
        var rows = await tenants.ListAsync(limit + 1, after?.Id);
        var now = clock.GetUtcNow();
        var page = rows.Take(limit).Select(row => row.ToView(now)).ToArray();
        return new Page<TenantView>([.. page], rows.Count > limit ? new PageKey(null, page[^1].Id) : null);
    }
}
