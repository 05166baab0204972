namespace TenantChat.WebFrontend.Apis.Chat;

/// <summary>The <c>Chat</c> configuration section.</summary>
public sealed class ChatOptions
{
    public const string Section = "Chat";

    /// <summary>Longest accepted prompt, in characters (Unicode scalar values) after trimming.</summary>
    public int MaxPromptChars { get; set; } = 8000;

    /// <summary>Most messages in one <c>/v1/chat/completions</c> request (each is also at most <see cref="MaxPromptChars"/>).</summary>
    public int MaxMessages { get; set; } = 500;
}
