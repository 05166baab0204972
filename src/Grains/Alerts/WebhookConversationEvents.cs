using TenantChat.Grains.Conversations;

namespace TenantChat.Grains.Alerts;

/// <summary>Turns a conversation handed to a person into a <c>conversation.handoff</c> webhook, through the same outbox as usage alerts.</summary>
public sealed class WebhookConversationEvents(WebhookOutboxStore outbox) : IConversationEvents
{
    public Task HandoffAsync(Guid tenantId, Guid conversationId, DateTimeOffset at) => outbox.QueueHandoffAsync(tenantId, conversationId, at);
}
