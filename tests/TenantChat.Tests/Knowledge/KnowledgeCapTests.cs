using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Grains.Knowledge;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Knowledge;

[Collection(ClusterCollection.Name)]
public sealed class KnowledgeCapTests(ClusterFixture fixture)
{
    private static string Manual(int sentences) =>
        string.Join(" ", Enumerable.Range(1, sentences).Select(n => $"Step {n} of the installation manual explains the next part in detail."));

    [Fact]
    public async Task A_write_past_the_chunk_cap_is_409_and_loses_nothing()
    {
        var tenant = await fixture.CreateTenantAsync("Chunk cap tenant.");
        using var user = await fixture.SignedInClientAsync(tenant);
        var manual = Manual(350);
        var chunks = TextChunker.Chunk("Installation manual", manual).Count;
        Assert.InRange(chunks, ClusterFixture.KnowledgeChunkCap / 2 + 1, ClusterFixture.KnowledgeChunkCap);
        var first = await user.AddItemAsync("Installation manual", manual);

        using (var second = await user.PostAsJsonAsync("api/customer-data", new { title = "Second manual", content = manual }))
        {
            Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
            var problem = await second.JsonAsync();
            Assert.Equal("conflict", problem["code"]!.GetValue<string>());
            Assert.Contains($"of its {ClusterFixture.KnowledgeChunkCap}", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        using (var grow = await user.PutAsJsonAsync($"api/customer-data/{first}", new { title = "Installation manual", content = Manual(700) }))
        {
            Assert.Equal(HttpStatusCode.Conflict, grow.StatusCode);
        }

        // Nothing lost: the first item is whole, still searchable; the refused one was never stored.
        var items = (await user.GetFromJsonAsync<JsonObject>("api/customer-data"))!["items"]!.AsArray();
        var only = Assert.Single(items);
        Assert.Equal(manual, only!["content"]!.GetValue<string>());
        await user.WaitIndexedAsync([first], TimeSpan.FromSeconds(60));
        Assert.Equal(first, (await user.SearchAsync("installation manual step 12"))[0].Id);

        // A small item still fits beside it, and replacing the big one with a small one frees its chunks.
        await user.AddItemAsync("Short note", "Fits easily.");
        using var shrink = await user.PutAsJsonAsync($"api/customer-data/{first}", new { title = "Installation manual", content = "Now brief." });
        Assert.Equal(HttpStatusCode.OK, shrink.StatusCode);
        using var again = await user.PostAsJsonAsync("api/customer-data", new { title = "Second manual", content = manual });
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
    }
}
