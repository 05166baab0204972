using System.Collections.Concurrent;
using TenantChat.Grains.Conversations;

namespace TenantChat.Tests.Infrastructure;

/// <summary>Stands in for the webhook outbox (tested on its own): every handoff event the silos raise, for tests to read.</summary>
public sealed class RecordingConversationEvents : IConversationEvents
{
    private readonly ConcurrentQueue<(Guid TenantId, Guid ConversationId, DateTimeOffset At)> _handoffs = new();

    public IReadOnlyList<(Guid TenantId, Guid ConversationId, DateTimeOffset At)> HandoffsOf(Guid tenantId) =>
        [.. _handoffs.Where(handoff => handoff.TenantId == tenantId)];

    public Task HandoffAsync(Guid tenantId, Guid conversationId, DateTimeOffset at)
    {
        _handoffs.Enqueue((tenantId, conversationId, at));
        return Task.CompletedTask;
    }
}
