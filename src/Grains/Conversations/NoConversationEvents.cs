namespace TenantChat.Grains.Conversations;

/// <summary>The default: nobody listens yet.</summary>
public sealed class NoConversationEvents : IConversationEvents
{
    public Task HandoffAsync(Guid tenantId, Guid conversationId, DateTimeOffset at) => Task.CompletedTask;
}
