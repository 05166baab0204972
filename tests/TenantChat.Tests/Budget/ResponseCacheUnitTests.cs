using TenantChat.Grains.Models;
using TenantChat.Grains.Tenants;
using TenantChat.Grains.Upstreams;

namespace TenantChat.Tests.Budget;

public sealed class ResponseCacheUnitTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static UpstreamRequest Request(string prompt = "p", string system = "s", int? seed = 1, params ConversationTurn[] context) =>
        new(system, context, prompt, "m", seed, 100);

    private static ResponseCache.Entry Entry(string text, int seconds = 60) => new(text, new UpstreamRoute("default", "m"), Now.AddSeconds(seconds));

    [Fact]
    public void The_key_depends_on_the_tenant_and_on_every_input_of_the_answer()
    {
        var tenant = Guid.NewGuid();
        var keys = new[]
        {
            ResponseCache.KeyOf(tenant, Request()),
            ResponseCache.KeyOf(Guid.NewGuid(), Request()),
            ResponseCache.KeyOf(tenant, Request(prompt: "q")),
            ResponseCache.KeyOf(tenant, Request(system: "t")),
            ResponseCache.KeyOf(tenant, Request(seed: null)),
            ResponseCache.KeyOf(tenant, Request(seed: 2)),
            ResponseCache.KeyOf(tenant, Request() with { Model = "n" }),
            ResponseCache.KeyOf(tenant, Request(context: new ConversationTurn("a", "b"))),
            // Length prefixes: moving text from one field to the next (here "b") never makes the same key.
            ResponseCache.KeyOf(tenant, Request(prompt: "bp", context: new ConversationTurn("a", ""))),
        };

        Assert.Equal(keys.Length, keys.Distinct().Count());
        Assert.Equal(keys[0], ResponseCache.KeyOf(tenant, Request() with { MaxOutputTokens = 5 }));
    }

    [Fact]
    public void An_entry_is_found_until_it_expires()
    {
        var cache = new ResponseCache();
        cache.Add("k", Entry("answer", seconds: 10));

        Assert.Equal("answer", cache.Find("k", Now.AddSeconds(9))?.Text);
        Assert.Null(cache.Find("k", Now.AddSeconds(10)));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Past_its_bound_the_oldest_entries_go_and_a_renewed_key_stays()
    {
        var cache = new ResponseCache();
        cache.Add("first", Entry("1"));
        cache.Add("renewed", Entry("old"));
        for (var i = 0; i < ResponseCache.MaxEntries - 2; i++)
        {
            cache.Add($"k{i}", Entry("x"));
        }
        cache.Add("renewed", Entry("new"));
        cache.Add("overflow", Entry("y"));

        Assert.Equal(ResponseCache.MaxEntries, cache.Count);
        Assert.Null(cache.Find("first", Now));
        Assert.Equal("new", cache.Find("renewed", Now)?.Text);
        Assert.NotNull(cache.Find("overflow", Now));
    }
}
