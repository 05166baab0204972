using TenantChat.Grains.Tenants;
using TenantChat.Grains.Knowledge;
using TenantChat.Grains.Models;

namespace TenantChat.Tests.Knowledge;

public sealed class SemanticCacheUnitTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static float[] Unit(params float[] values)
    {
        var vector = new float[SentenceEmbedder.Dimensions];
        values.CopyTo(vector, 0);
        var length = MathF.Sqrt(vector.Sum(x => x * x));
        return [.. vector.Select(x => x / length)];
    }

    private static ResponseCache.Entry Entry(string text) => new(text, new UpstreamRoute("default", "m"), Now.AddSeconds(60), 10);

    [Fact]
    public void Only_an_entry_of_the_same_key_at_or_above_the_threshold_is_found_and_the_closest_wins()
    {
        var cache = new SemanticCache();
        cache.Add("k", Unit(1, 0), Entry("exact"));
        cache.Add("k", Unit(1, 1), Entry("diagonal"));
        cache.Add("other", Unit(1, 0.01f), Entry("other key"));

        Assert.Equal("exact", cache.Find("k", Unit(1, 0.01f), 0.9, Now)?.Text);
        Assert.Equal("diagonal", cache.Find("k", Unit(1, 1.1f), 0.9, Now)?.Text);
        Assert.Null(cache.Find("k", Unit(0, 1), 0.9, Now));
        Assert.Null(cache.Find("missing", Unit(1, 0), 0.5, Now));
        Assert.Null(cache.Find("k", Unit(1, 0), 0.9, Now.AddSeconds(60)));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Past_its_bound_the_oldest_entry_goes()
    {
        var cache = new SemanticCache();
        cache.Add("first", Unit(1), Entry("first"));
        for (var i = 0; i < SemanticCache.MaxEntries; i++)
        {
            cache.Add("k", Unit(0, 1), Entry("x"));
        }

        Assert.Equal(SemanticCache.MaxEntries, cache.Count);
        Assert.Null(cache.Find("first", Unit(1), 0.5, Now));
    }
}
