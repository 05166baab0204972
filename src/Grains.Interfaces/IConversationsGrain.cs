using TenantChat.Grains.Models;

namespace TenantChat.Grains;

/// <summary>
/// A tenant's conversations outside chat calls: listing, a person's replies, status changes, the visitor's
/// transcript and erasure. Every method is scoped by <c>tenantId</c>: another tenant's conversation is not found.
/// </summary>
public interface IConversationsGrain : IGrainWithIntegerKey
{
    Task<Page<ConversationView>> ListAsync(Guid tenantId, ConversationStatus? status, int limit, PageKey? after);

    /// <summary>Null when the tenant has no such conversation.</summary>
    Task<ConversationView?> SetStatusAsync(Guid tenantId, Guid conversationId, ConversationStatus status);

    /// <summary>Stores a tenant user's reply (no tokens); null when the tenant has no such conversation.</summary>
    Task<AgentReply?> ReplyAsync(Guid tenantId, Guid conversationId, Guid? authorId, string text);

    /// <summary>The conversation's messages oldest first, only those after <paramref name="after"/> when given; null when not found.</summary>
    Task<Transcript?> ReadTranscriptAsync(Guid tenantId, Guid conversationId, DateTimeOffset? after);

    /// <summary>Erases the conversation, its replies and its messages' text; their charged tokens stay. False when not found.</summary>
    Task<bool> EraseAsync(Guid tenantId, Guid conversationId);
}
