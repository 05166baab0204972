using System.Numerics.Tensors;
using TenantChat.Grains.Tenants;

namespace TenantChat.Grains.Knowledge;

/// <summary>
/// A tenant's semantic cache, kept in its grain beside the exact <see cref="ResponseCache"/>: answers to calls
/// without conversation context, found again for a prompt whose embedding is at least as similar as the tenant's
/// threshold. Entries are grouped by a key of the tenant's id, the assembled system parameter, the model and the
/// seed, so a hit needs all four to be the same; it lives in that tenant's activation only. Bounded: past
/// <see cref="MaxEntries"/> the oldest entry goes, and no answer longer than
/// <see cref="TenantAdmission.MaxCachedAnswerChars"/> is kept (about 18 KB per entry at most). Not thread-safe:
/// used in the grain's turns only.
/// </summary>
public sealed class SemanticCache
{
    public const int MaxEntries = 256;

    private readonly List<(string Key, float[] Prompt, ResponseCache.Entry Entry)> _entries = [];

    public int Count => _entries.Count;

    /// <summary>The most similar live entry under <paramref name="key"/> at or above <paramref name="threshold"/>, or null.</summary>
    public ResponseCache.Entry? Find(string key, ReadOnlySpan<float> prompt, double threshold, DateTimeOffset now)
    {
        _entries.RemoveAll(entry => entry.Entry.Expires <= now);
        ResponseCache.Entry? best = null;
        var bestSimilarity = threshold;
        foreach (var (entryKey, vector, entry) in _entries)
        {
            if (entryKey != key)
            {
                continue;
            }
            var similarity = TensorPrimitives.Dot(vector, prompt);
            if (similarity >= bestSimilarity)
            {
                (best, bestSimilarity) = (entry, similarity);
            }
        }
        return best;
    }

    public void Add(string key, float[] prompt, ResponseCache.Entry entry)
    {
        _entries.Add((key, prompt, entry));
        if (_entries.Count > MaxEntries)
        {
            _entries.RemoveAt(0);
        }
    }

    public void Clear() => _entries.Clear();
}
