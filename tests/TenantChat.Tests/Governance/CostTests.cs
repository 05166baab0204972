using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Governance;

[Collection(ClusterCollection.Name)]
public sealed class CostTests(ClusterFixture fixture)
{
    /// <summary>The fixture's prices (USD per million tokens): input, output.</summary>
    private static readonly Dictionary<string, (decimal In, decimal Out)> Prices = new()
    {
        ["openai"] = (2.5m, 10m),
        ["mistral"] = (0.3m, 0.9m),
    };

    [Fact]
    public async Task Each_message_costs_its_own_tokens_and_the_rollups_sum_them_by_day_and_model()
    {
        var tenant = await fixture.CreateTenantAsync("Costed tenant.");
        using var user = await fixture.SignedInClientAsync(tenant);
        var calls = new List<(string Model, long Prompt, long Completion)>();
        foreach (var (prompt, model) in new[] { ("one", "openai"), ("two words", "openai"), ("three little words", "mistral") })
        {
            using var response = await tenant.Client.ChatAsync(prompt, new { model });
            var usage = (await response.JsonAsync())["usage"]!;
            calls.Add((model, usage["prompt_tokens"]!.GetValue<long>(), usage["completion_tokens"]!.GetValue<long>()));
        }
        static decimal Cost((string Model, long Prompt, long Completion) c) =>
            (c.Prompt * Prices[c.Model].In + c.Completion * Prices[c.Model].Out) / 1_000_000m;

        // Each stored message, priced from its own counts.
        await using (var command = fixture.Database.CreateCommand(
            "select model, prompt_tokens, completion_tokens, cost_usd from chat_messages where tenant_id = @id"))
        {
            command.Parameters.AddWithValue("id", tenant.Id);
            await using var reader = await command.ExecuteReaderAsync();
            var rows = 0;
            while (await reader.ReadAsync())
            {
                rows++;
                Assert.Equal(Cost((reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2))), reader.GetDecimal(3));
            }
            Assert.Equal(3, rows);
        }

        var usageNow = await user.GetFromJsonAsync<JsonObject>("api/usage");
        Assert.Equal(calls.Sum(Cost), usageNow!["cost_usd"]!.GetValue<decimal>());

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        string[] expected = [.. calls.GroupBy(c => c.Model).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => $"{today},{g.Key},{g.Count()},{g.Sum(c => c.Prompt + c.Completion)},{Amount(g.Sum(Cost))}")];
        var own = await user.GetFromJsonAsync<JsonObject>($"api/usage/daily?from={today}&to={today}");
        Assert.Equal(expected, own!["items"]!.AsArray().Select(Line));
        using var operatorClient = fixture.OperatorClient();
        var operators = await operatorClient.GetFromJsonAsync<JsonObject>($"api/admin/usage/daily?tenant_id={tenant.Id}&from={today}&to={today}");
        Assert.Equal(expected, operators!["items"]!.AsArray().Select(Line));

        using var csvRequest = new HttpRequestMessage(HttpMethod.Get, $"api/usage/daily?from={today}&to={today}");
        csvRequest.Headers.Accept.ParseAdd("text/csv");
        using var csv = await user.SendAsync(csvRequest);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["date,model,calls,tokens,cost_usd", .. expected], lines.Select(NormalizeCsv));
    }

    [Fact]
    public async Task Daily_usage_refuses_bad_dates_and_sees_only_its_tenant()
    {
        var tenant = await fixture.CreateTenantAsync("Quiet costed tenant.");
        var other = await fixture.CreateTenantAsync("Busy other tenant.");
        using var _ = await other.Client.ChatAsync("hello");
        using var user = await fixture.SignedInClientAsync(tenant);

        Assert.Empty((await user.GetFromJsonAsync<JsonObject>("api/usage/daily"))!["items"]!.AsArray());
        Assert.Equal(HttpStatusCode.BadRequest, (await user.GetAsync("api/usage/daily?from=yesterday")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await user.GetAsync("api/usage/daily?from=2026-02-01&to=2026-01-01")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await tenant.Client.GetAsync("api/usage/daily")).StatusCode);
    }

    private static string Line(JsonNode? item) =>
        $"{item!["date"]},{item["model"]},{item["calls"]},{item["tokens"]},{Amount(item["cost_usd"]!.GetValue<decimal>())}";

    /// <summary>The cost column compared as a number: 0.0001250000 and 0.000125 are the same amount.</summary>
    private static string NormalizeCsv(string line)
    {
        var fields = line.Split(',');
        return decimal.TryParse(fields[^1], NumberStyles.Number, CultureInfo.InvariantCulture, out var cost)
            ? string.Join(',', fields[..^1].Append(Amount(cost)))
            : line;
    }

    /// <summary>An amount without trailing zeros (dividing by 1.000... drops them).</summary>
    private static string Amount(decimal value) => (value / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture);
}
