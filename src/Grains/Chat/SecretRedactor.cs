using System.Text;

namespace TenantChat.Grains.Chat;

/// <summary>
/// Replaces every quote of a tenant's system parameter (case-insensitive, 8 characters or more) with
/// <c>[redacted]</c>, in a whole answer or in an answer that arrives piece by piece. Pieces are let through as soon
/// as they cannot be the start of a quote: only the characters that could still begin one are held back, so a quote
/// split over any number of deltas never reaches the caller. The same rule serves every route, streamed or not.
/// </summary>
public sealed class SecretRedactor
{
    public const string Replacement = "[redacted]";

    /// <summary>Shorter parameters ("Be nice.") would redact ordinary words from answers.</summary>
    private const int MinimumLength = 8;

    private readonly string? _secret;

    /// <summary>For each prefix of the secret, the longest proper prefix that is also its suffix (Knuth–Morris–Pratt).</summary>
    private readonly int[] _fallback = [];

    /// <summary>The characters held back: as typed by the upstream, and equal (ignoring case) to the secret's start.</summary>
    private readonly StringBuilder _held = new();

    public SecretRedactor(string systemPrompt)
    {
        var secret = systemPrompt.Trim();
        if (secret.Length >= MinimumLength)
        {
            _secret = Fold(secret);
            _fallback = FallbackTable(_secret);
        }
    }

    /// <summary><paramref name="text"/> with every quote of <paramref name="systemPrompt"/> replaced.</summary>
    public static string Redact(string text, string systemPrompt)
    {
        var redactor = new SecretRedactor(systemPrompt);
        return redactor.Push(text) + redactor.Flush();
    }

    /// <summary>Takes the next piece of an answer; returns what may be shown of the answer so far.</summary>
    public string Push(string piece)
    {
        if (_secret is null)
        {
            return piece;
        }
        var shown = new StringBuilder(piece.Length + Replacement.Length);
        foreach (var character in piece)
        {
            var folded = Fold(character);
            var matched = _held.Length;
            while (matched > 0 && _secret[matched] != folded)
            {
                matched = _fallback[matched - 1];
            }
            if (_secret[matched] == folded)
            {
                matched++;
            }
            _held.Append(character);
            // Whatever precedes the longest partial quote can no longer be part of any quote.
            var released = _held.Length - matched;
            if (released > 0)
            {
                shown.Append(_held, 0, released);
                _held.Remove(0, released);
            }
            if (matched == _secret.Length)
            {
                shown.Append(Replacement);
                _held.Clear();
            }
        }
        return shown.ToString();
    }

    /// <summary>The answer has ended: what was held back is not a whole quote and may be shown.</summary>
    public string Flush()
    {
        var rest = _held.ToString();
        _held.Clear();
        return rest;
    }

    private static char Fold(char character) => char.ToUpperInvariant(character);

    private static string Fold(string text) => string.Create(text.Length, text, static (folded, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            folded[i] = Fold(source[i]);
        }
    });

    private static int[] FallbackTable(string secret)
    {
        var fallback = new int[secret.Length];
        var length = 0;
        for (var i = 1; i < secret.Length; i++)
        {
            while (length > 0 && secret[i] != secret[length])
            {
                length = fallback[length - 1];
            }
            if (secret[i] == secret[length])
            {
                length++;
            }
            fallback[i] = length;
        }
        return fallback;
    }
}
