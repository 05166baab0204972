using TenantChat.Grains.Models;

namespace TenantChat.Grains.Conversations;

/// <summary>When a chat call goes to a person.</summary>
public static class HandoffRule
{
    /// <summary>
    /// A call in a conversation waiting for a person stays with the person; otherwise one whose body asks for it,
    /// or whose prompt contains the tenant's <paramref name="phrase"/> (ignoring case), is handed over.
    /// </summary>
    public static Handoff For(ChatRequest request, string? phrase, ConversationStatus? status)
    {
        if (status == ConversationStatus.NeedsHuman)
        {
            return Handoff.Waiting;
        }
        var asked = request.Handoff || (!string.IsNullOrWhiteSpace(phrase) && request.Prompt.Contains(phrase.Trim(), StringComparison.OrdinalIgnoreCase));
        return asked ? Handoff.Requested : Handoff.None;
    }
}
