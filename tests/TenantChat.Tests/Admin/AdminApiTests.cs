using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Admin;

[Collection(ClusterCollection.Name)]
public sealed class AdminApiTests(ClusterFixture fixture)
{
    private static JsonObject NewTenant(string? domain = null) => new()
    {
        ["name"] = "Acme",
        ["domain"] = domain ?? TestTenants.UniqueDomain("acme"),
        ["system_prompt"] = "Explain things like I'm five",
        ["token_limit"] = 100000,
        ["model"] = "openai",
        ["seed"] = 42,
        ["allowed_models"] = new JsonArray("openai"),
        ["rate_limit_rpm"] = 600,
        ["rate_limit_tpm"] = 200000,
    };

    [Fact]
    public async Task Creating_a_tenant_returns_201_with_the_tenant()
    {
        using var admin = fixture.OperatorClient();
        var body = NewTenant();

        using var response = await admin.PostAsJsonAsync("api/admin/tenants", body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var tenant = await response.JsonAsync();
        Assert.Equal($"/api/admin/tenants/{tenant["id"]}", response.Headers.Location?.OriginalString);
        Assert.Equal("Acme", tenant["name"]!.GetValue<string>());
        Assert.Equal(body["domain"]!.GetValue<string>(), tenant["domain"]!.GetValue<string>());
        Assert.Equal(100000, tenant["token_limit"]!.GetValue<long>());
        Assert.Equal(0, tenant["tokens_used"]!.GetValue<long>());
        Assert.Equal("openai", tenant["model"]!.GetValue<string>());
        Assert.Equal(42, tenant["seed"]!.GetValue<int>());
        Assert.Equal(600, tenant["rate_limit_rpm"]!.GetValue<int>());
        Assert.Equal("active", tenant["status"]!.GetValue<string>());

        using var read = await admin.GetAsync($"api/admin/tenants/{tenant["id"]}");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(tenant["domain"]!.GetValue<string>(), (await read.JsonAsync())["domain"]!.GetValue<string>());
    }

    [Fact]
    public async Task Domains_are_stored_normalized_and_a_taken_domain_is_409_in_any_spelling()
    {
        using var admin = fixture.OperatorClient();
        var label = $"Bücher-{Guid.NewGuid():N}"[..20];
        using var created = await admin.PostAsJsonAsync("api/admin/tenants", NewTenant($"{label}.Example.TEST."));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var domain = (await created.JsonAsync())["domain"]!.GetValue<string>();
        Assert.StartsWith("xn--", domain, StringComparison.Ordinal);
        Assert.EndsWith(".example.test", domain, StringComparison.Ordinal);

        using var duplicate = await admin.PostAsJsonAsync("api/admin/tenants", NewTenant(domain.ToUpperInvariant() + "."));

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("conflict", (await duplicate.JsonAsync())["code"]!.GetValue<string>());
    }

    public static TheoryData<string, JsonNode?> InvalidFields => new()
    {
        { "domain", "https://acme.test" },
        { "domain", "acme.test:8080" },
        { "domain", "acme.test/path" },
        { "domain", "*.acme.test" },
        { "domain", "" },
        { "domain", 12 },
        { "name", "" },
        { "system_prompt", new string('s', 16001) },
        { "token_limit", -1 },
        { "token_limit", 1.5 },
        { "token_limit", "100" },
        { "seed", "42" },
        { "model", "" },
        { "allowed_models", new JsonArray() },
        { "rate_limit_rpm", 0 },
        { "unknown_field", 1 },
    };

    [Theory]
    [MemberData(nameof(InvalidFields))]
    public async Task Invalid_tenant_fields_are_400_and_create_nothing(string field, JsonNode? value)
    {
        using var admin = fixture.OperatorClient();
        var body = NewTenant();
        body[field] = value?.DeepClone();

        using var response = await admin.PostAsJsonAsync("api/admin/tenants", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("validation_failed", problem["code"]!.GetValue<string>());
        Assert.NotNull(problem["errors"]![field]);
        await using var count = fixture.Database.CreateCommand("select count(*) from tenants where domain = @domain");
        count.Parameters.AddWithValue("domain", body["domain"]?.ToString() ?? "");
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_model_outside_allowed_models_is_400()
    {
        using var admin = fixture.OperatorClient();
        var body = NewTenant();
        body["allowed_models"] = new JsonArray("mistral");

        using var response = await admin.PostAsJsonAsync("api/admin/tenants", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task The_operator_api_needs_the_operator_key(string? key)
    {
        using var client = fixture.ClientFor("admin.test");
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        }

        using var list = await client.GetAsync("api/admin/tenants");
        using var create = await client.PostAsJsonAsync("api/admin/tenants", NewTenant());

        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, create.StatusCode);
        Assert.Equal("unauthorized", (await create.JsonAsync())["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Listing_pages_through_every_tenant_exactly_once()
    {
        using var admin = fixture.OperatorClient();
        var created = new HashSet<string>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await admin.PostAsJsonAsync("api/admin/tenants", NewTenant());
            created.Add((await response.JsonAsync())["id"]!.GetValue<string>());
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = (await admin.GetFromJsonAsync<JsonObject>($"api/admin/tenants?limit=2{(cursor is null ? "" : $"&cursor={cursor}")}"))!;
            var items = page["items"]!.AsArray();
            Assert.InRange(items.Count, 0, 2);
            seen.AddRange(items.Select(item => item!["id"]!.GetValue<string>()));
            cursor = page["next_cursor"]?.GetValue<string>();
        }
        while (cursor is not null);

        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Subset(seen.ToHashSet(), created);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=201")]
    [InlineData("limit=abc")]
    [InlineData("cursor=not-a-cursor!")]
    public async Task Bad_list_parameters_are_400(string query)
    {
        using var admin = fixture.OperatorClient();

        using var response = await admin.GetAsync($"api/admin/tenants?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", (await response.JsonAsync())["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_unknown_tenant_id_is_404()
    {
        using var admin = fixture.OperatorClient();

        using var get = await admin.GetAsync($"api/admin/tenants/{Guid.NewGuid()}");
        using var patch = await admin.PatchAsJsonAsync($"api/admin/tenants/{Guid.NewGuid()}", new JsonObject { ["name"] = "x" });
        using var reset = await admin.PostAsync($"api/admin/tenants/{Guid.NewGuid()}/usage/reset", null);

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, patch.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, reset.StatusCode);
        Assert.Equal("not_found", (await get.JsonAsync())["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Moving_a_domain_takes_effect_at_once_for_the_old_and_the_new_host()
    {
        var tenant = await fixture.CreateTenantAsync("Domain move tenant.");
        using var before = await tenant.Client.ChatAsync("Warm the host cache");
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        var newDomain = TestTenants.UniqueDomain("moved");

        using var admin = fixture.OperatorClient();
        using var patch = await admin.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new JsonObject { ["domain"] = newDomain });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);

        using var oldHost = await tenant.Client.ChatAsync("Old host");
        using var newHost = await fixture.ClientFor(newDomain).ChatAsync("New host");
        Assert.Equal(HttpStatusCode.NotFound, oldHost.StatusCode);
        Assert.Equal("unknown_tenant", (await oldHost.JsonAsync())["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, newHost.StatusCode);
    }

    [Fact]
    public async Task A_suspended_tenant_gets_403_and_reactivating_serves_it_again()
    {
        var tenant = await fixture.CreateTenantAsync("Suspension tenant.");
        using var admin = fixture.OperatorClient();

        using var suspend = await admin.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new JsonObject { ["status"] = "suspended" });
        using var refused = await tenant.Client.ChatAsync("Hello");
        using var reactivate = await admin.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new JsonObject { ["status"] = "active" });
        using var served = await tenant.Client.ChatAsync("Hello again");

        Assert.Equal(HttpStatusCode.OK, suspend.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("tenant_suspended", (await refused.JsonAsync())["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt));
    }

    [Fact]
    public async Task Patching_settings_changes_what_the_next_call_sends_upstream()
    {
        var tenant = await fixture.CreateTenantAsync("Settings tenant.");
        var newSystem = $"A brand new system parameter {Guid.NewGuid():N}";
        using var admin = fixture.OperatorClient();

        using var patch = await admin.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}",
            new JsonObject { ["system_prompt"] = newSystem, ["seed"] = null, ["token_limit"] = 5000 });
        using var chat = await tenant.Client.ChatAsync("Hello");

        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var patched = await patch.JsonAsync();
        Assert.Null(patched["seed"]);
        Assert.Equal(5000, patched["token_limit"]!.GetValue<long>());
        Assert.Equal("openai", patched["model"]!.GetValue<string>());
        var call = Assert.Single(fixture.Upstream.CallsFor(newSystem));
        Assert.Null(call.Seed);
    }

    [Fact]
    public async Task A_new_system_parameter_is_counted_in_the_very_next_calls_prompt_tokens()
    {
        var tenant = await fixture.CreateTenantAsync("Counted system parameter.");
        var longer = tenant.SystemPrompt + " Always answer in full sentences, politely, and mention the weather.";
        var counter = new TenantChat.Grains.Tokens.TokenCounter();
        using var admin = fixture.OperatorClient();

        using var before = await tenant.Client.ChatAsync("Hello");
        using var patch = await admin.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new JsonObject { ["system_prompt"] = longer });
        using var after = await tenant.Client.ChatAsync("Hello");

        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var promptBefore = (await before.JsonAsync())["usage"]!["prompt_tokens"]!.GetValue<int>();
        var promptAfter = (await after.JsonAsync())["usage"]!["prompt_tokens"]!.GetValue<int>();
        Assert.Equal(counter.Count(longer) - counter.Count(tenant.SystemPrompt), promptAfter - promptBefore);
        Assert.True(promptAfter > promptBefore);
    }

    [Fact]
    public async Task An_invalid_patch_changes_nothing()
    {
        var tenant = await fixture.CreateTenantAsync("Invalid patch tenant.");
        using var admin = fixture.OperatorClient();

        using var patch = await admin.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}",
            new JsonObject { ["name"] = "New name", ["status"] = "paused" });

        Assert.Equal(HttpStatusCode.BadRequest, patch.StatusCode);
        var view = await fixture.GetTenantAsync(tenant.Id);
        Assert.Equal("Test tenant", view["name"]!.GetValue<string>());
        Assert.Equal("active", view["status"]!.GetValue<string>());
    }
}
