using System.Collections.Concurrent;
using TenantChat.Grains;

namespace TenantChat.WebFrontend.Tenancy;

/// <summary>
/// Maps a normalized domain to its tenant's stable id. Hits are served from memory, so a chat call needs no
/// database query to find its tenant. A cached entry can go stale only when an operator moves a domain; the
/// tenant's grain confirms the domain on every request and the caller then <see cref="Forget"/>s and resolves again.
/// Unknown domains are not cached, so a new tenant is served at once.
/// </summary>
public sealed class HostTenantResolver(IClusterClient orleans)
{
    private readonly ConcurrentDictionary<string, Guid> _tenantIds = new(StringComparer.Ordinal);

    public async ValueTask<Guid?> ResolveAsync(string domain)
    {
        if (_tenantIds.TryGetValue(domain, out var cached))
        {
            return cached;
        }
        var found = await orleans.GetGrain<ITenantDirectoryGrain>(0).FindByDomainAsync(domain);
        if (found is { } id)
        {
            _tenantIds[domain] = id;
        }
        return found;
    }

    public void Forget(string domain) => _tenantIds.TryRemove(domain, out _);
}
