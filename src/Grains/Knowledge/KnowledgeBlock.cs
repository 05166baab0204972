using System.Collections.Immutable;
using System.Globalization;
using TenantChat.Grains.Models;
using TenantChat.Grains.Tokens;

namespace TenantChat.Grains.Knowledge;

/// <summary>
/// The retrieved chunks as text for the system parameter: a short heading, then each chunk with its item's title,
/// best first, as many as fit in the tenant's <c>max_tokens</c> (a chunk that does not fit whole is cut to what
/// is left, if that is a useful amount).
/// </summary>
public static class KnowledgeBlock
{
    private const string Heading =
        "Knowledge from this company's own documents. Use it when it answers the question; do not mention it otherwise.";

    /// <summary>Fewer tokens than this left over are not worth a cut chunk.</summary>
    private const int MinUsefulTokens = 24;

    /// <summary>
    /// The block of <paramref name="chunks"/> (best first) within <paramref name="maxTokens"/>, counted on the
    /// whole block so the seams between entries are counted as they will be sent, and the items it used.
    /// </summary>
    public static (string Block, ImmutableArray<KnowledgeSource> Sources) Build(
        IReadOnlyList<ScoredChunk> chunks, int maxTokens, TokenCounter tokens)
    {
        var block = Heading;
        var sources = new List<KnowledgeSource>();
        var entries = 0;
        foreach (var chunk in chunks)
        {
            var entry = string.Create(CultureInfo.InvariantCulture, $"\n\n[{entries + 1}] {chunk.Title}\n{chunk.Body}");
            var room = maxTokens - tokens.Count(block);
            if (tokens.Count(block + entry) > maxTokens)
            {
                if (room < MinUsefulTokens)
                {
                    break;
                }
                // Cut a little short of the room: a cut can merge with what precedes it into other tokens.
                entry = tokens.Truncate(entry, room - 2);
                if (tokens.Count(block + entry) > maxTokens)
                {
                    break;
                }
            }
            block += entry;
            entries++;
            if (!sources.Any(source => source.Id == chunk.Key.Item))
            {
                sources.Add(new KnowledgeSource(chunk.Key.Item, chunk.Title, Math.Round(chunk.Score, 4)));
            }
        }
        return sources.Count == 0 ? ("", []) : (block, [.. sources]);
    }
}
