using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Knowledge;

/// <summary>What knowledge tests do over HTTP: add items, wait for them to be indexed, search.</summary>
public static class KnowledgeRequests
{
    public sealed record class Hit(Guid Id, string Title, string Snippet, double Score);

    public static async Task<Guid> AddItemAsync(this HttpClient user, string title, string content)
    {
        using var response = await user.PostAsJsonAsync("api/customer-data", new { title, content });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync())["id"]!.GetValue<Guid>();
    }

    public static async Task<List<Hit>> SearchAsync(this HttpClient user, string query, int k = 5)
    {
        using var response = await user.GetAsync($"api/knowledge/search?q={Uri.EscapeDataString(query)}&k={k}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var items = (await response.JsonAsync())["items"]!.AsArray();
        return [.. items.Select(item => new Hit(item!["id"]!.GetValue<Guid>(), item["title"]!.GetValue<string>(),
            item["snippet"]!.GetValue<string>(), item["score"]!.GetValue<double>()))];
    }

    /// <summary>Waits until every item shows <c>index_status: indexed</c>; returns how long that took.</summary>
    public static async Task<TimeSpan> WaitIndexedAsync(this HttpClient user, IEnumerable<Guid> ids, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        foreach (var id in ids)
        {
            while (true)
            {
                var item = await user.GetFromJsonAsync<JsonObject>($"api/customer-data/{id}");
                if (item!["index_status"]!.GetValue<string>() == "indexed")
                {
                    break;
                }
                Assert.True(clock.Elapsed < timeout, $"item {id} not indexed after {timeout.TotalSeconds} s: {item}");
                await Task.Delay(100);
            }
        }
        return clock.Elapsed;
    }

    /// <summary>Searches until <paramref name="found"/> holds; returns how long that took.</summary>
    public static async Task<TimeSpan> SearchUntilAsync(this HttpClient user, string query, Func<List<Hit>, bool> found, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!found(await user.SearchAsync(query)))
        {
            Assert.True(clock.Elapsed < timeout, $"search for '{query}' did not change within {timeout.TotalSeconds} s");
            await Task.Delay(100);
        }
        return clock.Elapsed;
    }
}
