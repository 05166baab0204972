using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace TenantChat.Grains.Upstreams;

/// <summary>
/// The built-in offline client: the same system parameter, context, model, seed and prompt always give the
/// same plausible answer, so demos and tests need no network.
/// </summary>
public sealed class MockChatClient : IChatClient
{
    private sealed record Voice(string[] Keywords, string Opening, string[] Sentences);

    private static readonly Voice[] Voices =
    [
        new(["five", "child", "kid", "simple"], "Imagine it like this:",
        [
            "Think of it as a game where everyone follows the same simple rules.",
            "It is a bit like sharing toys: when one friend has more, another has less.",
            "You can picture it as a big playground where things move around all the time.",
            "The important part is that it happens the same way every single time.",
            "If you try it yourself, you will see it works just like that.",
        ]),
        new(["formal", "legal", "professional", "support"], "Thank you for your question.",
        [
            "In short, the matter can be summarised in a few clear points.",
            "Please note that the details may vary depending on your circumstances.",
            "Our recommendation is to review the relevant documentation first.",
            "Should you require further assistance, we remain at your disposal.",
            "The process is designed to be consistent and transparent.",
        ]),
        new(["pirate"], "Arr, listen close:",
        [
            "The tides turn the same way for every sailor on the sea.",
            "A good map and a steady hand will see ye through.",
            "Many a crew has learned this the hard way, matey.",
            "Keep yer wits about ye and the treasure follows.",
        ]),
        new([], "Here is a short answer.",
        [
            "The key idea is simpler than it first appears.",
            "It rests on a few principles that fit together neatly.",
            "Most of the apparent complexity comes from the details, not the core.",
            "A small example usually makes the idea click.",
            "Once the basics are clear, the rest follows naturally.",
        ]),
    ];

    public Task<UpstreamReply> CompleteAsync(UpstreamRequest request, CancellationToken cancellationToken = default) =>
        Task.FromResult(new UpstreamReply(Answer(request)));

    /// <summary>The same answer as <see cref="CompleteAsync"/>, a word (with the space before it) per chunk.</summary>
    public async IAsyncEnumerable<UpstreamChunk> StreamAsync(UpstreamRequest request,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var answer = Answer(request);
        for (var start = 0; start < answer.Length;)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var end = answer.IndexOf(' ', start + 1);
            end = end < 0 ? answer.Length : end;
            yield return new UpstreamChunk(answer[start..end]);
            start = end;
            // Hand control back between words as a network stream would, so consumers meet real interleaving.
            await Task.Yield();
        }
    }

    private static string Answer(UpstreamRequest request)
    {
        var voice = Array.Find(Voices, v => v.Keywords.Any(k => request.SystemPrompt.Contains(k, StringComparison.OrdinalIgnoreCase)))
            ?? Voices[^1];
        var random = new Random(StableSeed(request));
        var answer = new StringBuilder(voice.Opening).Append(' ').Append("About \"").Append(Topic(request.Prompt)).Append("\": ");
        var sentences = voice.Sentences.ToArray();
        random.Shuffle(sentences);
        foreach (var sentence in sentences.Take(2 + random.Next(Math.Min(3, sentences.Length - 1))))
        {
            answer.Append(sentence).Append(' ');
        }
        if (request.Context.Count > 0)
        {
            answer.Append("(Continuing from our earlier ").Append(request.Context.Count == 1 ? "exchange" : "exchanges").Append(".)");
        }
        return answer.ToString().TrimEnd();
    }

    private static string Topic(string prompt)
    {
        var words = prompt.Split((char[]?)null, 9, StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', words.Take(8)).TrimEnd('?', '!', '.');
    }

    private static int StableSeed(UpstreamRequest request)
    {
        var key = string.Join('\u0001', request.SystemPrompt, request.Model, request.Seed?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "",
            request.Context.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), request.Prompt);
        return BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }
}
