namespace TenantChat.Grains.Knowledge;

/// <summary>A retrieved chunk with its score; <see cref="Body"/> is its text without the title line.</summary>
public sealed record class ScoredChunk(ChunkKey Key, string Title, string Body, double Score);

/// <summary>
/// Fuses the two searches into one score per chunk, from 0 to 1:
/// <c>score = s + (1 − s) × w / 2</c>, where <c>s</c> is the cosine similarity of the chunk's embedding to the
/// question's (below 0 counted as 0) and <c>w</c> is the full-text match (1 when the chunk holds every word of the
/// question, else the share of its words it holds). Word matches lift a chunk at most halfway to 1: a chunk
/// holding every word of the question, such as an exact product code, scores at least 0.5; one about the same
/// thing in other words scores its similarity (about 0.4 to 0.8 for a paraphrase, under 0.2 for unrelated text).
/// </summary>
public static class KnowledgeRanking
{
    /// <summary>How many nearest chunks by embedding, and by words, a search considers before fusing.</summary>
    public const int Candidates = 40;

    public static double Score(float similarity, double lexicalMatch)
    {
        var s = Math.Clamp((double)similarity, 0, 1);
        return s + (1 - s) * Math.Clamp(lexicalMatch, 0, 1) / 2;
    }

    /// <summary>
    /// The rows scored and best first. A row whose embedding this activation does not hold (an item indexed an
    /// instant ago, still being added) is left out rather than scored on words alone.
    /// </summary>
    public static List<ScoredChunk> Rank(IEnumerable<ChunkRow> rows, ChunkVectors vectors, ReadOnlySpan<float> question)
    {
        var scored = new List<ScoredChunk>();
        foreach (var row in rows)
        {
            if (vectors.Similarity(row.Key, question) is { } similarity)
            {
                scored.Add(new ScoredChunk(row.Key, row.Title, BodyOf(row), Score(similarity, row.LexicalMatch)));
            }
        }
        scored.Sort((a, b) => b.Score.CompareTo(a.Score));
        return scored;
    }

    /// <summary>Best first, one per item: each item's best chunk.</summary>
    public static IEnumerable<ScoredChunk> BestPerItem(IEnumerable<ScoredChunk> ranked) =>
        ranked.GroupBy(chunk => chunk.Key.Item).Select(item => item.First());

    private static string BodyOf(ChunkRow row) =>
        row.Text.StartsWith(row.Title, StringComparison.Ordinal) ? row.Text[row.Title.Length..].TrimStart('\n') : row.Text;
}
