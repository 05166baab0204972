namespace TenantChat.Grains.Models;

/// <summary>One earlier exchange of a conversation, sent upstream as context.</summary>
[GenerateSerializer, Immutable]
public sealed record class ConversationTurn([property: Id(0)] string Prompt, [property: Id(1)] string Response);
