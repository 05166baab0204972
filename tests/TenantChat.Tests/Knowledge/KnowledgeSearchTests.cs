using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TenantChat.Tests.Knowledge;

[Collection(ClusterCollection.Name)]
public sealed class KnowledgeSearchTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(5);

    /// <summary>Loading the corpus embeds about 40 chunks (and the model, the first time): once per test run.</summary>
    private static Task<(HttpClient User, Dictionary<string, Guid> Ids)>? _corpus;

    private Task<(HttpClient User, Dictionary<string, Guid> Ids)> CorpusAsync() => LazyInitializer.EnsureInitialized(ref _corpus, async () =>
    {
        var tenant = await fixture.CreateTenantAsync("Support corpus tenant.");
        var user = await fixture.SignedInClientAsync(tenant);
        var ids = new Dictionary<string, Guid>();
        foreach (var (title, content) in SupportCorpus.Items)
        {
            ids[title] = await user.AddItemAsync(title, content);
        }
        var took = await user.WaitIndexedAsync(ids.Values, TimeSpan.FromSeconds(120));
        output.WriteLine($"knowledge: {ids.Count} items indexed in {took.TotalSeconds:F1} s (model load included)");
        return (user, ids);
    });

    [Fact]
    public async Task Paraphrased_questions_find_their_item_in_the_top_three()
    {
        var (user, ids) = await CorpusAsync();
        var inTopThree = 0;
        foreach (var (question, expected) in SupportCorpus.Paraphrases)
        {
            var hits = await user.SearchAsync(question, k: 3);
            var found = hits.Any(hit => hit.Id == ids[expected]);
            inTopThree += found ? 1 : 0;
            output.WriteLine($"  {(found ? "ok  " : "MISS")} {question} -> {string.Join(" | ", hits.Select(hit => $"{hit.Title} {hit.Score:F2}"))}");
        }
        var share = (double)inTopThree / SupportCorpus.Paraphrases.Length;
        output.WriteLine($"knowledge: {inTopThree} of {SupportCorpus.Paraphrases.Length} paraphrased questions ({share:P0}) have their item in the top 3");
        Assert.True(SupportCorpus.Paraphrases.Length >= 20 && SupportCorpus.Items.Length >= 30);
        Assert.True(share >= 0.9, $"only {share:P0} in the top 3");
    }

    [Fact]
    public async Task Exact_codes_find_their_product_sheet_first()
    {
        var (user, ids) = await CorpusAsync();
        foreach (var (code, expected) in SupportCorpus.Codes)
        {
            var hits = await user.SearchAsync(code);
            output.WriteLine($"  {code} -> {string.Join(" | ", hits.Take(2).Select(hit => $"{hit.Title} {hit.Score:F2}"))}");
            Assert.Equal(ids[expected], hits[0].Id);
            // Holding every word of the query lifts a chunk to at least 0.5 (docs/behaviour.md).
            Assert.True(hits[0].Score >= 0.5, $"{code} scored {hits[0].Score}");
        }
    }

    [Fact]
    public async Task Search_results_are_best_first_with_snippets_and_scores_between_0_and_1()
    {
        var (user, ids) = await CorpusAsync();
        var hits = await user.SearchAsync("how do I descale my kettle", k: 10);
        Assert.Equal(10, hits.Count);
        Assert.Equal(ids["Descaling the AquaPure kettle"], hits[0].Id);
        Assert.Contains("vinegar", hits[0].Snippet, StringComparison.Ordinal);
        Assert.Equal(hits.OrderByDescending(hit => hit.Score).Select(hit => hit.Id), hits.Select(hit => hit.Id));
        Assert.All(hits, hit => Assert.InRange(hit.Score, 0, 1));
        Assert.Equal(hits.Count, hits.Select(hit => hit.Id).Distinct().Count());
    }

    [Theory]
    [InlineData("q=")]
    [InlineData("q=%20%20")]
    [InlineData("q=kettle&k=0")]
    [InlineData("q=kettle&k=51")]
    [InlineData("q=kettle&k=two")]
    [InlineData("k=3")]
    public async Task Invalid_search_is_400(string query)
    {
        var (user, _) = await CorpusAsync();
        using var response = await user.GetAsync($"api/knowledge/search?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("\"unclosed quote")]
    [InlineData("- or -")]
    [InlineData("a:b c|d & !e (f")]
    [InlineData("http://example.com/path?x=1 user@example.com /usr/bin/kettle")]
    [InlineData("O'Reilly's kettle \\ back\\slash ''")]
    [InlineData("'); drop table knowledge_chunks; --")]
    [InlineData("🙂 緑茶 ケトル")]
    [InlineData("the and of to")]
    public async Task Any_query_text_is_searched_without_failing(string query)
    {
        var (user, _) = await CorpusAsync();
        var hits = await user.SearchAsync(query, k: 3);
        Assert.All(hits, hit => Assert.InRange(hit.Score, 0, 1));
    }

    [Fact]
    public async Task Search_needs_a_tenant_users_token()
    {
        var tenant = await fixture.CreateTenantAsync("Anonymous search tenant.");
        using var response = await tenant.Client.GetAsync("api/knowledge/search?q=kettle");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Tenants_never_see_each_others_items_even_with_the_same_text()
    {
        var first = await fixture.CreateTenantAsync("Isolation tenant one.");
        var second = await fixture.CreateTenantAsync("Isolation tenant two.");
        using var one = await fixture.SignedInClientAsync(first);
        using var two = await fixture.SignedInClientAsync(second);
        const string shared = "Our returns desk accepts parcels on weekdays between nine and five.";
        var oneShared = await one.AddItemAsync("Returns desk hours", shared);
        var oneSecret = await one.AddItemAsync("Internal note", "The vault passphrase is purple-otter-cascade and must never be shared.");
        var twoShared = await two.AddItemAsync("Returns desk hours", shared);
        await one.WaitIndexedAsync([oneShared, oneSecret], TimeSpan.FromSeconds(60));
        await two.WaitIndexedAsync([twoShared], TimeSpan.FromSeconds(60));

        foreach (var query in new[] { "purple-otter-cascade", "what is the vault passphrase", "returns desk hours", "Internal note" })
        {
            var hits = await two.SearchAsync(query, k: 50);
            Assert.All(hits, hit => Assert.Equal(twoShared, hit.Id));
            Assert.DoesNotContain(hits, hit => hit.Snippet.Contains("otter", StringComparison.Ordinal));
        }
        Assert.Equal(oneSecret, (await one.SearchAsync("purple-otter-cascade"))[0].Id);
        Assert.Equal(oneShared, (await one.SearchAsync("when can I bring back a parcel"))[0].Id);
        Assert.Equal(twoShared, (await two.SearchAsync("when can I bring back a parcel"))[0].Id);
    }

    [Fact]
    public async Task An_update_is_searchable_and_a_delete_gone_within_five_seconds()
    {
        var tenant = await fixture.CreateTenantAsync("Freshness tenant.");
        using var user = await fixture.SignedInClientAsync(tenant);
        var id = await user.AddItemAsync("Parking at the office", "Visitors park in the blue garage on level two.");
        await user.WaitIndexedAsync([id], TimeSpan.FromSeconds(60));

        using (var put = await user.PutAsJsonAsync($"api/customer-data/{id}",
            new { title = "Parking at the office", content = "Visitors now park at the zeppelin hangar behind the station." }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.Equal("pending", (await put.JsonAsync())["index_status"]!.GetValue<string>());
        }
        var updated = await user.SearchUntilAsync("zeppelin hangar", hits => hits.Any(hit => hit.Id == id && hit.Snippet.Contains("zeppelin", StringComparison.Ordinal)), Freshness);
        output.WriteLine($"knowledge: an update was searchable after {updated.TotalMilliseconds:F0} ms");
        Assert.DoesNotContain(await user.SearchAsync("blue garage level two", k: 50), hit => hit.Snippet.Contains("blue garage", StringComparison.Ordinal));
        var item = await user.GetFromJsonAsync<JsonObject>($"api/customer-data/{id}");
        Assert.Equal("indexed", item!["index_status"]!.GetValue<string>());
        Assert.NotNull(item["indexed_at"]);

        using (var delete = await user.DeleteAsync($"api/customer-data/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }
        // Gone from the very next search, not just within five seconds.
        Assert.DoesNotContain(await user.SearchAsync("zeppelin hangar", k: 50), hit => hit.Id == id);
        await using var chunks = fixture.Database.CreateCommand("select count(*) from knowledge_chunks where item_id = @id");
        chunks.Parameters.AddWithValue("id", id);
        Assert.Equal(0L, (long)(await chunks.ExecuteScalarAsync())!);
    }
}
