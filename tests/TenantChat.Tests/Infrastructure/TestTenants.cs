using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TenantChat.Tests.Infrastructure;

/// <summary>What tests do over HTTP again and again: create a tenant, chat on its host, read it back.</summary>
public static class TestTenants
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public sealed record class Tenant(Guid Id, string Domain, string SystemPrompt, HttpClient Client);

    public static string UniqueDomain(string label = "t") => $"{label}-{Guid.NewGuid():N}.test";

    /// <summary>
    /// Creates a tenant (with a unique domain unless one is given) and a client on its host. The system parameter
    /// gets a unique suffix, so the fake upstream's record of calls is per tenant.
    /// </summary>
    public static async Task<Tenant> CreateTenantAsync(this ClusterFixture fixture, string systemPrompt, long tokenLimit = 1_000_000,
        Action<JsonObject>? customize = null)
    {
        systemPrompt += $" (tenant {Guid.NewGuid():N})";
        var body = new JsonObject
        {
            ["name"] = "Test tenant",
            ["domain"] = UniqueDomain(),
            ["system_prompt"] = systemPrompt,
            ["token_limit"] = tokenLimit,
            ["model"] = "openai",
            ["seed"] = 42,
            ["allowed_models"] = new JsonArray("openai", "mistral"),
        };
        customize?.Invoke(body);
        using var admin = fixture.OperatorClient();
        using var response = await admin.PostAsJsonAsync("api/admin/tenants", body);
        var created = await response.Content.ReadFromJsonAsync<JsonObject>();
        if ((int)response.StatusCode != 201)
        {
            throw new InvalidOperationException($"Tenant creation failed: {(int)response.StatusCode} {created}");
        }
        var domain = created!["domain"]!.GetValue<string>();
        return new Tenant(created["id"]!.GetValue<Guid>(), domain, systemPrompt, fixture.ClientFor(domain));
    }

    public static Task<HttpResponseMessage> ChatAsync(this HttpClient client, string prompt, object? extra = null)
    {
        var body = extra is null ? new JsonObject() : JsonSerializer.SerializeToNode(extra, Json)!.AsObject();
        body["prompt"] = prompt;
        return client.PostAsJsonAsync("api/chat/call", body);
    }

    /// <summary>Streams a chat and returns the <c>data:</c> payloads of the whole event stream, in order.</summary>
    public static async Task<(HttpResponseMessage Response, List<string> Events)> StreamEventsAsync(this HttpClient client, string prompt)
    {
        var response = await client.PostAsJsonAsync("api/chat/stream", new { prompt });
        var events = (await response.Content.ReadAsStringAsync()).Split('\n')
            .Where(line => line.StartsWith("data: ", StringComparison.Ordinal)).Select(line => line["data: ".Length..]).ToList();
        return (response, events);
    }

    public static async Task<JsonObject> GetTenantAsync(this ClusterFixture fixture, Guid id)
    {
        using var admin = fixture.OperatorClient();
        return (await admin.GetFromJsonAsync<JsonObject>($"api/admin/tenants/{id}"))!;
    }

    public static async Task<JsonObject> JsonAsync(this HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    /// <summary>The ledger as operators see it: count and token sum of a tenant's stored messages.</summary>
    public static async Task<(long Messages, long Tokens)> LedgerAsync(this ClusterFixture fixture, Guid tenantId)
    {
        await using var command = fixture.Database.CreateCommand(
            "select count(*), coalesce(sum(total_tokens), 0) from chat_messages where tenant_id = @id");
        command.Parameters.AddWithValue("id", tenantId);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    /// <summary>Signs up a member (or uses the given credentials) and returns a client carrying their token.</summary>
    public static async Task<HttpClient> SignedInClientAsync(this ClusterFixture fixture, Tenant tenant, string? email = null, string password = "correct horse battery")
    {
        email ??= $"user-{Guid.NewGuid():N}@example.test";
        using var signUp = await tenant.Client.PostAsJsonAsync("api/accounts", new { email, password });
        if (signUp.StatusCode != System.Net.HttpStatusCode.Created && signUp.StatusCode != System.Net.HttpStatusCode.Conflict)
        {
            throw new InvalidOperationException($"Sign-up failed: {(int)signUp.StatusCode} {await signUp.Content.ReadAsStringAsync()}");
        }
        var client = fixture.ClientFor(tenant.Domain);
        client.DefaultRequestHeaders.Authorization = new("Bearer", await fixture.TokenAsync(tenant, email, password));
        return client;
    }

    public static async Task<string> TokenAsync(this ClusterFixture fixture, Tenant tenant, string email, string password)
    {
        using var signIn = await tenant.Client.PostAsJsonAsync("api/accounts/token", new { email, password });
        return (await signIn.JsonAsync())["access_token"]!.GetValue<string>();
    }

    /// <summary>A tenant created with a first admin, and a client signed in as that admin.</summary>
    public static async Task<(Tenant Tenant, HttpClient Admin)> CreateTenantWithAdminAsync(this ClusterFixture fixture, string systemPrompt,
        Action<JsonObject>? customize = null)
    {
        var email = $"admin-{Guid.NewGuid():N}@example.test";
        const string password = "admin password 123";
        var tenant = await fixture.CreateTenantAsync(systemPrompt, customize: body =>
        {
            body["admin_email"] = email;
            body["admin_password"] = password;
            customize?.Invoke(body);
        });
        return (tenant, await fixture.SignedInClientAsync(tenant, email, password));
    }
}
