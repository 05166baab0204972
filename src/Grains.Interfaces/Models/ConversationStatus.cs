namespace TenantChat.Grains.Models;

/// <summary>Where a conversation stands: answered by the AI, waiting for a person, or closed.</summary>
[GenerateSerializer]
public enum ConversationStatus
{
    Open,
    NeedsHuman,
    Closed,
}
