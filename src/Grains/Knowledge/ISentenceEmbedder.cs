namespace TenantChat.Grains.Knowledge;

/// <summary>
/// Sentence embeddings as the knowledge code uses them (<see cref="SentenceEmbedder"/> in every process). An
/// interface so a test cluster can put a failing one in front of it and watch indexing retry.
/// </summary>
public interface ISentenceEmbedder
{
    /// <summary>The embedding of a question someone is waiting on; it goes ahead of documents.</summary>
    Task<float[]> EmbedQuestionAsync(string text, CancellationToken cancellationToken = default);

    /// <summary>The embeddings of a document's chunks, in order.</summary>
    Task<float[][]> EmbedDocumentAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default);
}
