using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Chat;

/// <summary>Per-tenant routes: the tenant's provider first, then its fallbacks, with the route that answered recorded.</summary>
[Collection(ClusterCollection.Name)]
public sealed class FallbackTests(ClusterFixture fixture)
{
    private static Action<JsonObject> Routes(string provider, params (string Provider, string? Model)[] fallbacks) => body =>
    {
        body["provider"] = provider;
        body["fallbacks"] = new JsonArray([.. fallbacks.Select(f => f.Model is null
            ? new JsonObject { ["provider"] = f.Provider }
            : new JsonObject { ["provider"] = f.Provider, ["model"] = f.Model })]);
    };

    private async Task<(string? Provider, string Model, int Total)> StoredAsync(Guid messageId)
    {
        await using var command = fixture.Database.CreateCommand("select provider, model, total_tokens from chat_messages where id = @id");
        command.Parameters.AddWithValue("id", messageId);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "the message is stored");
        return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetString(1), reader.GetInt32(2));
    }

    [Fact]
    public async Task A_healthy_provider_answers_and_the_message_records_it()
    {
        var tenant = await fixture.CreateTenantAsync("Healthy routes tenant.", customize: Routes("default", (ClusterFixture.BackupUpstream, "backup-model")));

        using var response = await tenant.Client.ChatAsync("Who answers?");
        var body = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("openai", body["model"]!.GetValue<string>());
        Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        var stored = await StoredAsync(body["id"]!.GetValue<Guid>());
        Assert.Equal(("default", "openai"), (stored.Provider, stored.Model));
    }

    [Fact]
    public async Task When_the_provider_keeps_failing_the_fallback_answers_and_the_message_records_its_model()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:500] Falling back tenant.",
            customize: Routes("default", (ClusterFixture.BackupUpstream, "backup-model")));

        using var response = await tenant.Client.ChatAsync("Please answer anyway");
        var body = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("backup-model", body["model"]!.GetValue<string>());
        Assert.Equal(3, fixture.Upstream.CallsFor(tenant.SystemPrompt).Count); // the primary's attempts, then the fallback
        var stored = await StoredAsync(body["id"]!.GetValue<Guid>());
        Assert.Equal((ClusterFixture.BackupUpstream, "backup-model"), (stored.Provider, stored.Model));
        var total = body["usage"]!["total_tokens"]!.GetValue<int>();
        Assert.Equal(total, stored.Total);
        Assert.Equal(total, (await fixture.GetTenantAsync(tenant.Id))["tokens_used"]!.GetValue<long>());

        using var history = await fixture.SignedInClientAsync(tenant);
        var item = (await history.GetFromJsonAsync<JsonObject>("api/chat/messages"))!["items"]![0]!;
        Assert.Equal(ClusterFixture.BackupUpstream, item["provider"]!.GetValue<string>());
        Assert.Equal("backup-model", item["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_fallback_without_a_model_asks_for_the_model_the_call_asked_for()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:500] Same model fallback tenant.", customize: Routes("default", (ClusterFixture.BackupUpstream, null)));

        using var response = await tenant.Client.ChatAsync("Which model?", new { model = "mistral" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("mistral", (await response.JsonAsync())["model"]!.GetValue<string>());
    }

    [Fact]
    public async Task With_the_providers_circuit_open_the_fallback_answers_without_calling_it()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:500] Open circuit tenant.",
            customize: Routes(ClusterFixture.FlakyUpstream, (ClusterFixture.BackupUpstream, "backup-model")));

        // No retries on this upstream, and its circuit opens after two failed calls.
        for (var i = 0; i < 2; i++)
        {
            using var failedOver = await tenant.Client.ChatAsync($"Opening the circuit {i}");
            Assert.Equal(HttpStatusCode.OK, failedOver.StatusCode);
        }
        Assert.Equal(2, fixture.Upstream.CallsFor(tenant.SystemPrompt).Count);

        using var response = await tenant.Client.ChatAsync("With the circuit open");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("backup-model", (await response.JsonAsync())["model"]!.GetValue<string>());
        Assert.Equal(2, fixture.Upstream.CallsFor(tenant.SystemPrompt).Count);
    }

    [Fact]
    public async Task When_every_route_fails_the_call_fails_and_charges_nothing()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:500] Nowhere to fall tenant.", customize: Routes("default", ("default", "mistral")));

        using var response = await tenant.Client.ChatAsync("Anyone?");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(6, fixture.Upstream.CallsFor(tenant.SystemPrompt).Count); // three attempts on each route
        Assert.Equal(["openai", "openai", "openai", "mistral", "mistral", "mistral"],
            fixture.Upstream.CallsFor(tenant.SystemPrompt).Select(call => call.Model!).ToArray());
        Assert.Equal((0, 0), await fixture.LedgerAsync(tenant.Id));
    }

    [Fact]
    public async Task A_stream_falls_back_when_the_provider_fails_before_its_first_delta()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:500] Streaming fallback tenant.",
            customize: Routes("default", (ClusterFixture.BackupUpstream, "backup-model")));

        var (response, events) = await tenant.Client.StreamEventsAsync("Stream anyway");
        using var _ = response;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("[DONE]", events[^1]);
        var final = JsonNode.Parse(events[^2])!;
        var deltas = string.Concat(events[..^2].Select(e => JsonNode.Parse(e)!["delta"]!.GetValue<string>()));
        var stored = await StoredAsync(final["id"]!.GetValue<Guid>());
        Assert.Equal((ClusterFixture.BackupUpstream, "backup-model"), (stored.Provider, stored.Model));
        Assert.Equal(final["usage"]!["total_tokens"]!.GetValue<int>(), stored.Total);
        Assert.NotEmpty(deltas);
    }

    [Theory]
    [InlineData("{\"provider\": \"nowhere\"}", "provider")]
    [InlineData("{\"fallbacks\": [{\"provider\": \"nowhere\"}]}", "fallbacks")]
    [InlineData("{\"provider\": \"Not A Name!\"}", "provider")]
    [InlineData("{\"fallbacks\": [{\"provider\": \"backup\", \"url\": \"http://evil.test\"}]}", "fallbacks")]
    [InlineData("{\"fallbacks\": \"backup\"}", "fallbacks")]
    public async Task Routes_naming_no_configured_upstream_are_refused_and_change_nothing(string patch, string field)
    {
        var tenant = await fixture.CreateTenantAsync("Route validation tenant.");
        using var admin = fixture.OperatorClient();

        using var response = await admin.PatchAsync($"api/admin/tenants/{tenant.Id}",
            new StringContent(patch, System.Text.Encoding.UTF8, "application/json"));
        var problem = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", problem["code"]!.GetValue<string>());
        Assert.Contains(field, problem.ToJsonString(), StringComparison.Ordinal);
        var after = await fixture.GetTenantAsync(tenant.Id);
        Assert.Equal("default", after["provider"]!.GetValue<string>());
        Assert.Empty(after["fallbacks"]!.AsArray());
    }

    [Fact]
    public async Task A_tenant_admin_can_choose_the_provider_and_the_next_call_uses_it()
    {
        var tenant = await fixture.CreateTenantAsync("Admin routes tenant.", customize: body =>
        {
            body["admin_email"] = "admin@routes.test";
            body["admin_password"] = "correct horse battery";
        });
        using var admin = await fixture.SignedInClientAsync(tenant, "admin@routes.test");

        using var put = await admin.PutAsJsonAsync("api/tenant/settings", new JsonObject { ["provider"] = ClusterFixture.BackupUpstream });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        using var response = await tenant.Client.ChatAsync("Now who answers?");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        Assert.Equal(ClusterFixture.BackupUpstream, (await StoredAsync((await response.JsonAsync())["id"]!.GetValue<Guid>())).Provider);
    }
}
