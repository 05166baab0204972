using Orleans.Concurrency;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Chat;

[StatelessWorker]
public sealed class ChatHistoryGrain(ChatMessageStore messages) : Grain, IChatHistoryGrain
{
    public async Task<Page<ChatMessageView>> ListAsync(Guid tenantId, Guid? conversationId, int limit, PageKey? after)
    {
        var rows = await messages.ListAsync(tenantId, conversationId, limit + 1, after);
        var items = rows.Take(limit).ToArray();
        return new Page<ChatMessageView>([.. items], rows.Count > limit ? new PageKey(items[^1].CreatedAt, items[^1].Id) : null);
    }

    public Task<CacheSavings> CountCacheHitsAsync(Guid tenantId, DateTimeOffset since) => messages.CountCacheHitsAsync(tenantId, since);
}
