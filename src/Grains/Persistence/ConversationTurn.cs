namespace TenantChat.Grains.Persistence;

/// <summary>One earlier exchange of a conversation, sent upstream as context.</summary>
public sealed record class ConversationTurn(string Prompt, string Response);
