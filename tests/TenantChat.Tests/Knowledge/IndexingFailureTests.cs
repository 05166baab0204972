using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TenantChat.Tests.Knowledge;

/// <summary>
/// Indexing that fails is retried with growing waits and shows on the item meanwhile; nothing is dropped. The
/// silos' embedder is a <see cref="FailingEmbedder"/>, armed here for one item's text only.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class IndexingFailureTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_failing_item_shows_failed_is_retried_with_backoff_and_becomes_searchable()
    {
        var tenant = await fixture.CreateTenantAsync("Indexing failure tenant.");
        var user = await fixture.SignedInClientAsync(tenant);
        var marker = "QX" + Guid.NewGuid().ToString("N")[..10];
        const string privateText = "the vault combination is 31-7-19";
        var fault = FailingEmbedder.Arm(marker, times: 2);

        var id = await user.AddItemAsync($"Warranty card {marker}", $"Keep the warranty card {marker}; {privateText}.");

        // While the embedder fails, the item says so, and why, in words that quote none of its text.
        var clock = Stopwatch.StartNew();
        JsonObject item;
        while ((item = await ItemAsync(user, id))["index_status"]!.GetValue<string>() != "failed")
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the item never showed its failure: {item}");
            await Task.Delay(50);
        }
        var error = item["index_error"]!.GetValue<string>();
        output.WriteLine($"while failing: index_status failed, index_error \"{error}\"");
        Assert.Null(item["indexed_at"]);
        Assert.DoesNotContain(marker, error, StringComparison.Ordinal);
        Assert.DoesNotContain("vault", error, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Warranty", error, StringComparison.OrdinalIgnoreCase);

        // Retried until it succeeds: indexed, the error cleared, and found by its code.
        await user.WaitIndexedAsync([id], TimeSpan.FromSeconds(60));
        item = await ItemAsync(user, id);
        Assert.Null(item["index_error"]);
        Assert.NotNull(item["indexed_at"]);
        var hits = await user.SearchAsync(marker);
        Assert.Equal(id, Assert.Single(hits, hit => hit.Id == id).Id);
        Assert.Equal(id, hits[0].Id);

        // Two failures, then the attempt that worked, each after a longer wait than the last (1 s, then 2 s).
        var attempts = fault.Attempts.ToArray();
        Assert.Equal(3, attempts.Length);
        var waits = attempts.Zip(attempts.Skip(1), (earlier, later) => later - earlier).ToArray();
        output.WriteLine($"attempts waited {string.Join(", ", waits.Select(wait => $"{wait.TotalSeconds:F2} s"))} between them");
        Assert.True(waits[0] >= TimeSpan.FromSeconds(0.9), $"first retry after {waits[0]}");
        Assert.True(waits[1] >= TimeSpan.FromSeconds(1.9), $"second retry after {waits[1]}");
    }

    private static async Task<JsonObject> ItemAsync(HttpClient user, Guid id) =>
        (await user.GetFromJsonAsync<JsonObject>($"api/customer-data/{id}"))!;
}
