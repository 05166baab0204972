namespace TenantChat.Grains.Models;

/// <summary>The contract's names of statuses, channels and roles, one place for every layer.</summary>
public static class ConversationNames
{
    public static string Of(ConversationStatus status) => status switch
    {
        ConversationStatus.NeedsHuman => "needs_human",
        ConversationStatus.Closed => "closed",
        _ => "open",
    };

    public static ConversationStatus? ParseStatus(string? name) => name switch
    {
        "open" => ConversationStatus.Open,
        "needs_human" => ConversationStatus.NeedsHuman,
        "closed" => ConversationStatus.Closed,
        _ => null,
    };

    public static string Of(ConversationChannel channel) => channel switch
    {
        ConversationChannel.Widget => "widget",
        ConversationChannel.OpenAi => "openai",
        _ => "api",
    };

    public static ConversationChannel? ParseChannel(string? name) => name switch
    {
        "api" => ConversationChannel.Api,
        "widget" => ConversationChannel.Widget,
        "openai" => ConversationChannel.OpenAi,
        _ => null,
    };
}
