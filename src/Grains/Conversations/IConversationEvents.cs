namespace TenantChat.Grains.Conversations;

/// <summary>
/// Events of a tenant's conversations for whoever must hear of them (WebhookConversationEvents queues
/// <c>conversation.handoff</c> webhooks in the outbox). Called once the event is durable; a failure is logged and
/// does not fail the chat call.
/// </summary>
public interface IConversationEvents
{
    /// <summary>A conversation was handed to a person (it is now <c>needs_human</c>).</summary>
    Task HandoffAsync(Guid tenantId, Guid conversationId, DateTimeOffset at);
}
