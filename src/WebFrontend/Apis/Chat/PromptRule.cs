namespace TenantChat.WebFrontend.Apis.Chat;

/// <summary>
/// What a prompt must be on every chat route: not blank, at most <see cref="ChatOptions.MaxPromptChars"/>
/// characters (Unicode scalar values) after trimming, and free of NUL (<see cref="StoredText"/>). Each route words
/// the refusal in its own contract.
/// </summary>
public static class PromptRule
{
    public enum Verdict
    {
        Accepted,
        Blank,
        TooLong,
        HasNul,
    }

    public static Verdict Check(string? prompt, ChatOptions options)
    {
        var length = prompt?.Trim().EnumerateRunes().Count() ?? 0;
        if (length == 0)
        {
            return Verdict.Blank;
        }
        if (length > options.MaxPromptChars)
        {
            return Verdict.TooLong;
        }
        return StoredText.HasNul(prompt) ? Verdict.HasNul : Verdict.Accepted;
    }
}
