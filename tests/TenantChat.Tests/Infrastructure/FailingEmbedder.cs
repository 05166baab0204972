using System.Collections.Concurrent;
using TenantChat.Grains.Knowledge;

namespace TenantChat.Tests.Infrastructure;

/// <summary>
/// The silos' embedder, with faults a test can arm: a document holding a given marker fails its first N embeddings,
/// with a message quoting the document (as a careless library might), so a test can see indexing retry, back off,
/// and keep the text out of the item's <c>index_error</c>. Every other document and every question passes through.
/// </summary>
public sealed class FailingEmbedder(SentenceEmbedder inner) : ISentenceEmbedder
{
    private static readonly ConcurrentDictionary<string, Fault> Faults = new();

    /// <summary>Documents holding <paramref name="marker"/> fail <paramref name="times"/> times; then they embed.</summary>
    public static Fault Arm(string marker, int times) => Faults[marker] = new Fault(times);

    public Task<float[]> EmbedQuestionAsync(string text, CancellationToken cancellationToken = default) =>
        inner.EmbedQuestionAsync(text, cancellationToken);

    public Task<float[][]> EmbedDocumentAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        foreach (var (marker, fault) in Faults)
        {
            if (texts.Any(text => text.Contains(marker, StringComparison.Ordinal)) && fault.Attempted())
            {
                throw new InvalidOperationException($"embedding failed on: {texts[0]}");
            }
        }
        return inner.EmbedDocumentAsync(texts, cancellationToken);
    }

    /// <summary>One armed fault: when each attempt came, and whether it was made to fail.</summary>
    public sealed class Fault(int times)
    {
        private int _left = times;

        public ConcurrentQueue<DateTimeOffset> Attempts { get; } = new();

        /// <summary>Records an attempt; true while it should still fail.</summary>
        public bool Attempted()
        {
            Attempts.Enqueue(DateTimeOffset.UtcNow);
            return Interlocked.Decrement(ref _left) >= 0;
        }
    }
}
