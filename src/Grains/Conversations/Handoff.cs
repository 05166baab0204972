namespace TenantChat.Grains.Conversations;

/// <summary>Whether a chat call goes to a person instead of the AI, and why.</summary>
public enum Handoff
{
    /// <summary>The AI answers.</summary>
    None,

    /// <summary>The caller asked for a person now (the tenant's phrase or the body's flag): the conversation is handed over.</summary>
    Requested,

    /// <summary>The conversation already waits for a person: the call is stored for them.</summary>
    Waiting,
}
