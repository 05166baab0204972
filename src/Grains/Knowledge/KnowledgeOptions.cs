namespace TenantChat.Grains.Knowledge;

/// <summary>The <c>Knowledge</c> configuration section.</summary>
public sealed class KnowledgeOptions
{
    public const string Section = "Knowledge";

    /// <summary>The most chunks one tenant's knowledge may hold; a write that would pass it is refused.</summary>
    public int MaxChunksPerTenant { get; set; } = 50_000;

    /// <summary>Threads of this process that run the embedding model (each uses one core while busy).</summary>
    public int EmbeddingWorkers { get; set; } = 1;

    /// <summary>Texts waiting for the embedding workers before writers wait for room.</summary>
    public int EmbeddingQueueCapacity { get; set; } = 4096;
}
