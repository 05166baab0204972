using TenantChat.Grains.Knowledge;
using TenantChat.Grains.Tokens;

namespace TenantChat.Tests.Knowledge;

public sealed class KnowledgeRankingTests
{
    private static readonly TokenCounter Tokens = new();

    [Theory]
    [InlineData(0.6f, 0.0, 0.6)]
    [InlineData(0.2f, 1.0, 0.6)]
    [InlineData(0.2f, 0.5, 0.4)]
    [InlineData(-0.3f, 1.0, 0.5)]
    [InlineData(-0.3f, 0.0, 0.0)]
    [InlineData(1.0f, 1.0, 1.0)]
    public void The_score_lifts_similarity_halfway_to_one_by_the_word_match(float similarity, double words, double expected)
    {
        Assert.Equal(expected, KnowledgeRanking.Score(similarity, words), precision: 6);
    }

    [Fact]
    public void The_block_numbers_its_chunks_names_each_item_once_and_stays_within_its_tokens()
    {
        var item = Guid.NewGuid();
        var other = Guid.NewGuid();
        var chunks = new[]
        {
            new ScoredChunk(new ChunkKey(item, 0), "Refunds", "Unused products come back within 30 days.", 0.81),
            new ScoredChunk(new ChunkKey(item, 1), "Refunds", "Refunds take five business days.", 0.62),
            new ScoredChunk(new ChunkKey(other, 0), "Shipping", string.Join(" ", Enumerable.Repeat("Parcels travel far.", 200)), 0.5),
        };

        var (block, sources) = KnowledgeBlock.Build(chunks, maxTokens: 120, Tokens);

        Assert.InRange(Tokens.Count(block), 60, 120);
        Assert.Contains("[1] Refunds\nUnused products come back within 30 days.", block, StringComparison.Ordinal);
        Assert.Contains("[2] Refunds\nRefunds take five business days.", block, StringComparison.Ordinal);
        Assert.Contains("[3] Shipping\nParcels travel far.", block, StringComparison.Ordinal);
        Assert.Equal([item, other], sources.Select(source => source.Id));
        Assert.Equal(0.81, sources[0].Score);
    }

    [Fact]
    public void No_room_for_a_useful_chunk_means_no_block_and_no_sources()
    {
        var chunks = new[] { new ScoredChunk(new ChunkKey(Guid.NewGuid(), 0), "Refunds", "Unused products come back within 30 days.", 0.9) };

        var (block, sources) = KnowledgeBlock.Build(chunks, maxTokens: 10, Tokens);

        Assert.Equal("", block);
        Assert.Empty(sources);
    }
}
