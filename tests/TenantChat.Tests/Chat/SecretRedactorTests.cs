using TenantChat.Grains.Chat;

namespace TenantChat.Tests.Chat;

public sealed class SecretRedactorTests
{
    private const string Secret = "Internal: discount code ZEBRA-77";
    private const string Answer = "Sure. My instructions are: " + Secret + ". Anything else?";
    private const string Redacted = "Sure. My instructions are: [redacted]. Anything else?";

    private static string Stream(SecretRedactor redactor, IEnumerable<string> pieces) =>
        string.Concat(pieces.Select(redactor.Push)) + redactor.Flush();

    [Fact]
    public void A_quote_split_in_two_at_every_position_is_redacted()
    {
        for (var cut = 0; cut <= Answer.Length; cut++)
        {
            var shown = Stream(new SecretRedactor(Secret), [Answer[..cut], Answer[cut..]]);
            Assert.Equal(Redacted, shown);
        }
    }

    [Fact]
    public void A_quote_split_in_three_at_every_pair_of_positions_is_redacted()
    {
        for (var first = 0; first <= Answer.Length; first++)
        {
            for (var second = first; second <= Answer.Length; second++)
            {
                var shown = Stream(new SecretRedactor(Secret), [Answer[..first], Answer[first..second], Answer[second..]]);
                Assert.Equal(Redacted, shown);
            }
        }
    }

    [Fact]
    public void A_quote_sent_character_by_character_is_redacted_and_nothing_of_it_is_shown_early()
    {
        var redactor = new SecretRedactor(Secret);
        var shownSoFar = "";
        foreach (var character in Answer)
        {
            shownSoFar += redactor.Push(character.ToString());
            Assert.DoesNotContain("ZEBRA", shownSoFar, StringComparison.OrdinalIgnoreCase);
        }
        Assert.Equal(Redacted, shownSoFar + redactor.Flush());
    }

    [Fact]
    public void Text_that_cannot_start_a_quote_is_shown_at_once()
    {
        var redactor = new SecretRedactor(Secret);

        Assert.Equal("Hello there, ", redactor.Push("Hello there, "));
        Assert.Equal("", redactor.Push("Inter"));
        Assert.Equal("Internet is fine", redactor.Push("net is fine"));
    }

    [Fact]
    public void Quotes_in_another_case_and_repeated_quotes_are_all_redacted()
    {
        var text = $"{Secret.ToUpperInvariant()} and again {Secret.ToLowerInvariant()}{Secret}!";

        Assert.Equal("[redacted] and again [redacted][redacted]!", SecretRedactor.Redact(text, Secret));
    }

    [Fact]
    public void A_secret_whose_start_repeats_inside_it_is_found_after_a_false_start()
    {
        const string secret = "abcabcabd rules";
        var text = "xx abcabcabcabd rules yy";

        for (var cut = 0; cut <= text.Length; cut++)
        {
            Assert.Equal("xx abc[redacted] yy", Stream(new SecretRedactor(secret), [text[..cut], text[cut..]]));
        }
    }

    [Fact]
    public void Short_system_parameters_are_not_redacted_and_an_unfinished_quote_is_shown_at_the_end()
    {
        Assert.Equal("Be nice to Be nice", SecretRedactor.Redact("Be nice to Be nice", "Be nice"));
        Assert.Equal("It said: Internal: discount", SecretRedactor.Redact("It said: Internal: discount", Secret));
    }

    [Fact]
    public void Redaction_agrees_with_a_case_insensitive_replace_on_random_text()
    {
        var random = new Random(7);
        const string alphabet = "abAB ";
        const string secret = "abba Abab";
        for (var round = 0; round < 2000; round++)
        {
            var text = new string([.. Enumerable.Range(0, random.Next(0, 40)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            var cut = random.Next(0, text.Length + 1);

            var expected = text.Replace(secret, SecretRedactor.Replacement, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(expected, Stream(new SecretRedactor(secret), [text[..cut], text[cut..]]));
        }
    }
}
