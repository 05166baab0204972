using Microsoft.ML.Tokenizers;

namespace TenantChat.Grains.Tokens;

/// <summary>Counts tokens with the o200k encoding, for upstreams that report no usage. One per process.</summary>
public sealed class TokenCounter
{
    private readonly Tokenizer _tokenizer = TiktokenTokenizer.CreateForEncoding("o200k_base");

    public int Count(string text) => text.Length == 0 ? 0 : _tokenizer.CountTokens(text);

    /// <summary>The longest prefix of <paramref name="text"/> that is at most <paramref name="maxTokens"/> tokens.</summary>
    public string Truncate(string text, int maxTokens)
    {
        if (maxTokens <= 0)
        {
            return string.Empty;
        }
        var end = _tokenizer.GetIndexByTokenCount(text, maxTokens, out _, out _);
        return text[..end];
    }
}
