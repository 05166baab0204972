namespace TenantChat.Grains.Chat;

/// <summary>
/// Several secrets redacted at once (the assembled system parameter, and system_prompt and each module's prompt on
/// their own), longest first: each <see cref="SecretRedactor"/>'s output feeds the next, so a quote of any of them,
/// split over any number of deltas, never reaches the caller.
/// </summary>
public sealed class RedactorChain(IEnumerable<string> secrets)
{
    private readonly SecretRedactor[] _links =
        [.. secrets.Distinct(StringComparer.Ordinal).OrderByDescending(secret => secret.Length).Select(secret => new SecretRedactor(secret))];

    /// <summary><paramref name="text"/> with every quote of each of <paramref name="secrets"/> replaced.</summary>
    public static string Redact(string text, IEnumerable<string> secrets)
    {
        var chain = new RedactorChain(secrets);
        return chain.Push(text) + chain.Flush();
    }

    /// <summary>Takes the next piece of an answer; returns what may be shown of the answer so far.</summary>
    public string Push(string piece) => _links.Aggregate(piece, (text, link) => link.Push(text));

    /// <summary>The answer has ended: each link lets go of what it held, which the links after it still check.</summary>
    public string Flush() => _links.Aggregate("", (held, link) => link.Push(held) + link.Flush());
}
