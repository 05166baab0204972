using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Conversations;

/// <summary>
/// Conversation reads and changes that need no tenant's turn: the database is their truth, so a status set here is
/// what the very next chat call reads, on any silo.
/// </summary>
[StatelessWorker]
public sealed class ConversationsGrain(ConversationStore conversations, TimeProvider clock, ILogger<ConversationsGrain> logger)
    : Grain, IConversationsGrain
{
    public async Task<Page<ConversationView>> ListAsync(Guid tenantId, ConversationStatus? status, int limit, PageKey? after)
    {
        var rows = await conversations.ListAsync(tenantId, status, limit + 1, after);
        var items = rows.Take(limit).ToArray();
        return new Page<ConversationView>([.. items], rows.Count > limit ? new PageKey(items[^1].LastMessageAt, items[^1].Id) : null);
    }

    public Task<ConversationView?> SetStatusAsync(Guid tenantId, Guid conversationId, ConversationStatus status) =>
        conversations.SetStatusAsync(tenantId, conversationId, status);

    public Task<AgentReply?> ReplyAsync(Guid tenantId, Guid conversationId, Guid? authorId, string text) =>
        conversations.AddReplyAsync(tenantId, conversationId, authorId, text, clock.GetUtcNow());

    public Task<Transcript?> ReadTranscriptAsync(Guid tenantId, Guid conversationId, DateTimeOffset? after) =>
        conversations.ReadTranscriptAsync(tenantId, conversationId, after);

    public async Task<bool> EraseAsync(Guid tenantId, Guid conversationId)
    {
        var erased = await conversations.EraseAsync(tenantId, conversationId, clock.GetUtcNow());
        if (erased)
        {
            logger.LogInformation("Tenant {TenantId}: a conversation was erased", tenantId);
        }
        return erased;
    }
}
