namespace TenantChat.Grains.Models;

/// <summary>Where a conversation started: the chat API, the web widget, or the OpenAI-compatible API.</summary>
[GenerateSerializer]
public enum ConversationChannel
{
    Api,
    Widget,
    OpenAi,
}
