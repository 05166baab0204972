using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace TenantChat.Bench;

/// <summary>
/// The knowledge-on tenant: created through the operator API with <c>knowledge.enabled</c> and a first admin, its
/// items added through the customer-data API as that admin, then waited for until every one is indexed (read from
/// the database, so waiting costs the silo nothing).
/// </summary>
public sealed class KnowledgeSeed(BenchOptions options) : IDisposable
{
    private const string AdminEmail = "admin@knowledge.bench";
    private const string AdminPassword = "knowledge bench password";

    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <param name="Token">The tenant admin's bearer token, for the runs that read the tenant's own data.</param>
    public sealed record class Seeded(int Items, long Chunks, TimeSpan Indexing, string Token);

    public async Task<Seeded> SeedAsync(string domain, int items, TimeSpan timeout)
    {
        var tenantId = await CreateTenantAsync(domain);
        var token = await TokenAsync(domain);
        var started = Stopwatch.StartNew();
        await Parallel.ForEachAsync(KnowledgeCorpus.Items(items), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (item, cancel) =>
        {
            using var response = await SendAsync(HttpMethod.Post, "/api/customer-data", domain, new { title = item.Title, content = item.Content }, token, cancel);
            await ExpectAsync(response, HttpStatusCode.Created, "adding a knowledge item");
        });
        var chunks = await WaitIndexedAsync(tenantId, items, timeout);
        return new Seeded(items, chunks, started.Elapsed, token);
    }

    private async Task<Guid> CreateTenantAsync(string domain)
    {
        var body = new JsonObject
        {
            ["name"] = "Bench knowledge tenant",
            ["domain"] = domain,
            ["system_prompt"] = BenchOptions.SystemPrompt,
            ["token_limit"] = 1_000_000_000_000_000L,
            ["model"] = BenchOptions.Model,
            ["knowledge"] = new JsonObject { ["enabled"] = true },
            ["admin_email"] = AdminEmail,
            ["admin_password"] = AdminPassword,
        };
        using var response = await SendAsync(HttpMethod.Post, "/api/admin/tenants", null, body, options.AdminKey);
        var created = await ExpectAsync(response, HttpStatusCode.Created, "creating the knowledge tenant");
        return created["id"]!.GetValue<Guid>();
    }

    private async Task<string> TokenAsync(string domain)
    {
        using var response = await SendAsync(HttpMethod.Post, "/api/accounts/token", domain, new { email = AdminEmail, password = AdminPassword }, null);
        return (await ExpectAsync(response, HttpStatusCode.OK, "signing in"))["access_token"]!.GetValue<string>();
    }

    /// <summary>Until every item of the tenant is indexed at its current version; returns the chunks they make.</summary>
    private async Task<long> WaitIndexedAsync(Guid tenantId, int items, TimeSpan timeout)
    {
        const string sql = """
            select (select count(*) from customer_data where tenant_id = @tenant and indexed_at >= updated_at),
                   (select count(*) from knowledge_chunks where tenant_id = @tenant)
            """;
        await using var db = NpgsqlDataSource.Create(options.Postgres);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await using var command = db.CreateCommand(sql);
            command.Parameters.AddWithValue("tenant", tenantId);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var (indexed, chunks) = (reader.GetInt64(0), reader.GetInt64(1));
            if (indexed >= items)
            {
                return chunks;
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"only {indexed} of {items} knowledge items were indexed after {timeout.TotalSeconds:0} s");
            }
            await Task.Delay(500);
        }
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? host, object body, string? bearer, CancellationToken cancel = default)
    {
        var request = new HttpRequestMessage(method, new Uri(options.Api, path)) { Content = JsonContent.Create(body) };
        if (host is not null)
        {
            request.Headers.Host = host;
        }
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return _http.SendAsync(request, cancel);
    }

    private static async Task<JsonObject> ExpectAsync(HttpResponseMessage response, HttpStatusCode status, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != status)
        {
            throw new InvalidOperationException($"{what} answered {(int)response.StatusCode}: {text}");
        }
        return JsonNode.Parse(text)!.AsObject();
    }

    public void Dispose() => _http.Dispose();
}
