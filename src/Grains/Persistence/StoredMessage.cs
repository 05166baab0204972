using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>
/// A finished exchange waiting to be written; <c>created_at</c> is stamped when its batch is written.
/// <see cref="Provider"/> is the configured upstream that answered; <see cref="Cached"/> marks an answer reused from
/// the tenant's response cache, <see cref="Handoff"/> one that went to a person instead (no answer, no tokens).
/// <see cref="StartsConversation"/> creates its conversation's row, with <see cref="Channel"/>.
/// </summary>
public sealed record class StoredMessage(
    Guid Id,
    Guid ConversationId,
    string Prompt,
    string Response,
    string Model,
    int? Seed,
    TokenUsage Usage,
    string? Upstream,
    bool Cached = false,
    bool Handoff = false,
    ConversationChannel Channel = ConversationChannel.Api,
    bool StartsConversation = false);
