using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.CustomerData;

[Collection(ClusterCollection.Name)]
public sealed class CustomerDataApiTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Customer_data_can_be_created_read_replaced_and_deleted()
    {
        var tenant = await fixture.CreateTenantAsync("Customer data tenant.");
        using var user = await fixture.SignedInClientAsync(tenant);

        using var created = await user.PostAsJsonAsync("api/customer-data",
            new { title = "Order 42", content = "Two blue widgets", metadata = new { priority = "high", items = 2 } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var item = await created.JsonAsync();
        var id = item["id"]!.GetValue<string>();
        Assert.Equal($"/api/customer-data/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("high", item["metadata"]!["priority"]!.GetValue<string>());

        using var read = await user.GetAsync($"api/customer-data/{id}");
        Assert.Equal("Two blue widgets", (await read.JsonAsync())["content"]!.GetValue<string>());

        using var replaced = await user.PutAsJsonAsync($"api/customer-data/{id}", new { title = "Order 42", content = "Three blue widgets" });
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var after = await replaced.JsonAsync();
        Assert.Equal("Three blue widgets", after["content"]!.GetValue<string>());
        Assert.Empty(after["metadata"]!.AsObject());

        using var deleted = await user.DeleteAsync($"api/customer-data/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await user.GetAsync($"api/customer-data/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        using var deletedAgain = await user.DeleteAsync($"api/customer-data/{id}");
        Assert.Equal(HttpStatusCode.NotFound, deletedAgain.StatusCode);
    }

    [Theory]
    [InlineData("{\"content\":\"no title\"}")]
    [InlineData("{\"title\":\"\",\"content\":\"x\"}")]
    [InlineData("{\"title\":\"no content\"}")]
    [InlineData("{\"title\":\"t\",\"content\":\"c\",\"metadata\":[1,2]}")]
    [InlineData("{\"title\":\"t\",\"content\":\"c\",\"metadata\":\"text\"}")]
    [InlineData("{\"title\":5,\"content\":\"c\"}")]
    public async Task Invalid_customer_data_is_400_and_stores_nothing(string body)
    {
        var tenant = await fixture.CreateTenantAsync("Invalid customer data tenant.");
        using var user = await fixture.SignedInClientAsync(tenant);

        using var response = await user.PostAsync("api/customer-data", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var list = await user.GetFromJsonAsync<JsonObject>("api/customer-data");
        Assert.Empty(list!["items"]!.AsArray());
    }

    [Fact]
    public async Task Paging_returns_every_item_exactly_once_while_others_are_being_added()
    {
        var tenant = await fixture.CreateTenantAsync("Paging tenant.");
        using var user = await fixture.SignedInClientAsync(tenant);
        var existing = new HashSet<string>();
        for (var i = 0; i < 23; i++)
        {
            using var created = await user.PostAsJsonAsync("api/customer-data", new { title = $"Item {i}", content = "x" });
            existing.Add((await created.JsonAsync())["id"]!.GetValue<string>());
        }

        var added = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < 20 && !stop.IsCancellationRequested; i++)
            {
                using var created = await user.PostAsJsonAsync("api/customer-data", new { title = $"Late {i}", content = "y" });
                added.Add((await created.JsonAsync())["id"]!.GetValue<string>());
            }
        });
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = (await user.GetFromJsonAsync<JsonObject>($"api/customer-data?limit=4{(cursor is null ? "" : $"&cursor={cursor}")}"))!;
            seen.AddRange(page["items"]!.AsArray().Select(item => item!["id"]!.GetValue<string>()));
            cursor = page["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);
        await stop.CancelAsync();
        await writer;

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Subset(seen.ToHashSet(), existing);
        Assert.All(seen, id => Assert.True(existing.Contains(id) || added.Contains(id)));
    }
}
