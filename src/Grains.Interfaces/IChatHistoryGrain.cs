using TenantChat.Grains.Models;

namespace TenantChat.Grains;

/// <summary>Reads a tenant's stored exchanges back, newest first.</summary>
public interface IChatHistoryGrain : IGrainWithIntegerKey
{
    Task<Page<ChatMessageView>> ListAsync(Guid tenantId, Guid? conversationId, int limit, PageKey? after);

    /// <summary>How many of the tenant's stored answers since <paramref name="since"/> came from its caches, and the tokens they saved.</summary>
    Task<CacheSavings> CountCacheHitsAsync(Guid tenantId, DateTimeOffset since);
}
