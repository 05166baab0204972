using TenantChat.Grains.Knowledge;

namespace TenantChat.Tests.Knowledge;

public sealed class ChunkVectorsTests
{
    private static float[] Axis(int axis)
    {
        var vector = new float[SentenceEmbedder.Dimensions];
        vector[axis] = 1;
        return vector;
    }

    [Fact]
    public void Nearest_is_best_first_and_a_removed_or_replaced_item_leaves_the_others_in_place()
    {
        var vectors = new ChunkVectors();
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        var c = Guid.NewGuid();
        vectors.Replace(a, [Axis(0), Axis(1)]);
        vectors.Replace(b, [Axis(2)]);
        vectors.Replace(c, [Axis(3), Axis(4)]);

        Assert.Equal(new ChunkKey(b, 0), vectors.Nearest(Axis(2), 1)[0].Key);
        Assert.Equal(5, vectors.Nearest(Axis(0), 10).Count);

        vectors.Remove(a);
        vectors.Replace(c, [Axis(5)]);
        vectors.TrimExcess();

        Assert.Equal(2, vectors.Count);
        Assert.Null(vectors.Similarity(new ChunkKey(a, 0), Axis(0)));
        Assert.Null(vectors.Similarity(new ChunkKey(c, 1), Axis(4)));
        Assert.Equal(1f, vectors.Similarity(new ChunkKey(b, 0), Axis(2)));
        Assert.Equal(1f, vectors.Similarity(new ChunkKey(c, 0), Axis(5)));
        var nearest = vectors.Nearest(Axis(5), 2);
        Assert.Equal([new ChunkKey(c, 0), new ChunkKey(b, 0)], nearest.Select(hit => hit.Key));
    }
}
