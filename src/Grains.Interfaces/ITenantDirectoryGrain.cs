using TenantChat.Grains.Models;

namespace TenantChat.Grains;

/// <summary>Look-ups across tenants: by domain, and the operator's list. Stateless, one per silo core.</summary>
public interface ITenantDirectoryGrain : IGrainWithIntegerKey
{
    Task<Guid?> FindByDomainAsync(string domain);

    Task<Page<TenantView>> ListAsync(int limit, PageKey? after);
}
