using TenantChat.Grains.Knowledge;

namespace TenantChat.Tests.Knowledge;

public sealed class TextChunkerTests
{
    [Fact]
    public void A_short_item_is_one_chunk_of_title_and_content()
    {
        var chunk = Assert.Single(TextChunker.Chunk("  Refund policy ", "Full refund within 30 days."));
        Assert.Equal("Refund policy\nFull refund within 30 days.", chunk);
    }

    [Fact]
    public void An_empty_item_is_its_title()
    {
        Assert.Equal(["Title only"], TextChunker.Chunk("Title only", "  "));
    }

    [Fact]
    public void Every_chunk_starts_with_the_title_fits_the_limit_and_overlaps_its_neighbour()
    {
        var sentences = Enumerable.Range(1, 60).Select(n => $"Sentence number {n} says something useful about the product.").ToList();
        var chunks = TextChunker.Chunk("Manual", string.Join(" ", sentences));

        Assert.True(chunks.Count > 3);
        Assert.All(chunks, chunk => Assert.StartsWith("Manual\n", chunk, StringComparison.Ordinal));
        Assert.All(chunks, chunk => Assert.True(chunk.Length <= TextChunker.MaxChars + "Manual\n".Length, $"{chunk.Length} chars"));
        // Whole sentences only, every sentence kept, and each chunk repeats the previous chunk's last sentence.
        var bodies = chunks.Select(chunk => chunk["Manual\n".Length..]).ToList();
        Assert.All(bodies, body => Assert.EndsWith("product.", body, StringComparison.Ordinal));
        Assert.All(sentences, sentence => Assert.Contains(bodies, body => body.Contains(sentence, StringComparison.Ordinal)));
        for (var i = 1; i < bodies.Count; i++)
        {
            var previousLast = sentences.Last(sentence => bodies[i - 1].EndsWith(sentence, StringComparison.Ordinal));
            Assert.StartsWith(previousLast, bodies[i], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_paragraph_that_does_not_fit_starts_a_new_chunk()
    {
        var first = string.Join(" ", Enumerable.Repeat("The first paragraph talks about returns.", 10));
        var second = string.Join(" ", Enumerable.Repeat("The second paragraph talks about shipping.", 10));
        var chunks = TextChunker.Chunk("Policies", first + "\n\n" + second);

        Assert.Equal(2, chunks.Count);
        Assert.DoesNotContain("shipping", chunks[0], StringComparison.Ordinal);
        Assert.DoesNotContain("returns", chunks[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Text_without_sentence_ends_or_spaces_is_still_cut_to_size()
    {
        var chunks = TextChunker.Chunk("Blob", new string('x', 5000));
        Assert.True(chunks.Count >= 8);
        Assert.All(chunks, chunk => Assert.True(chunk.Length <= TextChunker.MaxChars + 5));
        Assert.Equal(5000, chunks.Sum(chunk => chunk.Length - "Blob\n".Length));
    }
}
