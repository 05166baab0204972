using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Npgsql;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Governance;

[Collection(ClusterCollection.Name)]
public sealed class AuditLogTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Each_audited_action_writes_exactly_one_entry_naming_its_actor()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Audited tenant.");
        var adminId = (await admin.GetFromJsonAsync<JsonObject>("api/accounts/me"))!["id"]!.GetValue<Guid>();
        using var operatorClient = fixture.OperatorClient();

        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new { token_limit = 5000 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new { status = "suspended" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new { status = "active" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PostAsync($"api/admin/tenants/{tenant.Id}/usage/reset", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("api/tenant/settings", new { max_context_turns = 3 })).StatusCode);
        using var member = await fixture.SignedInClientAsync(tenant);
        var memberId = (await member.GetFromJsonAsync<JsonObject>("api/accounts/me"))!["id"]!.GetValue<Guid>();
        using var created = await member.PostAsJsonAsync("api/customer-data", new { title = "Order 7", content = "A red kite" });
        var itemId = (await created.JsonAsync())["id"]!.GetValue<Guid>();
        Assert.Equal(HttpStatusCode.OK, (await member.PutAsJsonAsync($"api/customer-data/{itemId}", new { title = "Order 8", content = "A red kite" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await member.DeleteAsync($"api/customer-data/{itemId}")).StatusCode);

        var entries = await fixture.AuditEntriesAsync(tenant.Id);
        string[] expected =
        [
            "tenant.created operator", "tenant.changed operator", "tenant.suspended operator", "tenant.reactivated operator",
            "tenant.usage_reset operator", $"settings.changed account:{adminId}", "account.created anonymous",
            $"customer_data.created account:{memberId}", $"customer_data.changed account:{memberId}", $"customer_data.deleted account:{memberId}",
        ];
        Assert.Equal(expected, entries.Select(e => $"{e["action"]} {e["actor"]}"));
        Assert.Equal(Enumerable.Range(1, expected.Length).Select(i => (long)i), entries.Select(e => e["seq"]!.GetValue<long>()));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["from"] = 1_000_000, ["to"] = 5000 }, entries[1]["changes"]!["token_limit"]));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["from"] = "Order 7", ["to"] = "Order 8" }, entries[8]["changes"]!["title"]));
        Assert.Equal($"customer_data:{itemId}", entries[9]["target"]!.GetValue<string>());
        Assert.All(entries, e => Assert.False(string.IsNullOrEmpty(e["request_id"]?.GetValue<string>())));

        var verified = await fixture.VerifyAuditAsync(tenant.Id);
        Assert.True(verified["ok"]!.GetValue<bool>());
        Assert.Equal(expected.Length, verified["entries"]!.GetValue<long>());

        // The tenant admin sees the same entries on the tenant's own route; a member may not.
        var own = await admin.GetFromJsonAsync<JsonObject>("api/tenant/audit?limit=200");
        Assert.Equal(expected.Length, own!["items"]!.AsArray().Count);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("api/tenant/audit")).StatusCode);
    }

    [Fact]
    public async Task A_refused_change_writes_no_entry()
    {
        var taken = await fixture.CreateTenantAsync("Holder of a domain.");
        var tenant = await fixture.CreateTenantAsync("Audited refusals.");
        using var operatorClient = fixture.OperatorClient();

        using var conflict = await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new { domain = taken.Domain });
        using var invalid = await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new { token_limit = -1 });

        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(["tenant.created"], (await fixture.AuditEntriesAsync(tenant.Id)).Select(e => e["action"]!.GetValue<string>()));
    }

    [Fact]
    public async Task No_secret_enters_the_audit_log()
    {
        const string adminPassword = "admin secret password 1";
        const string memberPassword = "member secret password 2";
        var tenant = await fixture.CreateTenantAsync("Original system secret.", customize: body =>
        {
            body["admin_email"] = $"admin-{Guid.NewGuid():N}@example.test";
            body["admin_password"] = adminPassword;
        });
        using var member = await fixture.SignedInClientAsync(tenant, password: memberPassword);
        using var operatorClient = fixture.OperatorClient();
        const string newPrompt = "Replacement system secret.";
        Assert.Equal(HttpStatusCode.OK, (await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new { system_prompt = newPrompt })).StatusCode);
        var modules = new[] { new { key = "returns", prompt = "Module system secret: refunds within 30 days.", priority = 1, active = true } };
        using var withModules = await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new { modules });
        Assert.Equal(HttpStatusCode.OK, withModules.StatusCode);

        var entries = await fixture.AuditEntriesAsync(tenant.Id);
        Assert.Equal(new JsonObject { ["set"] = true }.ToJsonString(), entries[0]["changes"]!["system_prompt"]!.ToJsonString());
        Assert.Equal(new JsonObject { ["changed"] = true }.ToJsonString(), entries[^2]["changes"]!["system_prompt"]!.ToJsonString());
        Assert.Equal(new JsonObject { ["changed"] = true }.ToJsonString(), entries[^1]["changes"]!["modules"]!.ToJsonString());

        // Every column of every row, as the database holds it.
        await using var command = fixture.Database.CreateCommand("select row_to_json(a)::text from audit_log a where tenant_id = @id");
        command.Parameters.AddWithValue("id", tenant.Id);
        var rows = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetString(0));
            }
        }
        Assert.Equal(4, rows.Count);
        var token = member.DefaultRequestHeaders.Authorization!.Parameter!;
        foreach (var secret in new[] { tenant.SystemPrompt, "system secret", adminPassword, memberPassword, token, ClusterFixture.OperatorKey, "$argon", "password_hash" })
        {
            Assert.All(rows, row => Assert.DoesNotContain(secret, row, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task A_row_changed_behind_the_applications_back_is_named_by_verify()
    {
        var tenant = await fixture.CreateTenantAsync("Tampered tenant.");
        using var operatorClient = fixture.OperatorClient();
        foreach (var limit in new[] { 10, 20, 30 })
        {
            await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new { token_limit = limit });
        }
        var entries = await fixture.AuditEntriesAsync(tenant.Id);
        var victim = entries[2];

        // The application's own statements are refused: it holds no UPDATE on the table, and its DELETE is refused
        // by the table's trigger outside an erasure; even the owner's are refused by that trigger...
        foreach (var db in new[] { fixture.Database, fixture.OwnerDatabase })
        {
            await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(db, "update audit_log set actor = 'someone else' where id = @id", victim));
            await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(db, "delete from audit_log where id = @id", victim));
        }
        Assert.True((await fixture.VerifyAuditAsync(tenant.Id))["ok"]!.GetValue<bool>());

        // ...so the test goes round it as a superuser could, with triggers off for its own transaction.
        await ExecuteAsync(fixture.OwnerDatabase, """
            begin;
            set local session_replication_role = replica;
            update audit_log set changes = '{"token_limit": {"from": 10, "to": 99999}}' where id = @id;
            commit;
            """, victim);

        var verified = await fixture.VerifyAuditAsync(tenant.Id);
        Assert.False(verified["ok"]!.GetValue<bool>());
        Assert.Equal(victim["id"]!.GetValue<long>(), verified["first_broken"]!["id"]!.GetValue<long>());
        Assert.Equal(3, verified["entries"]!.GetValue<long>());
    }

    [Fact]
    public async Task Concurrent_changes_of_one_tenant_keep_one_unbroken_chain()
    {
        var tenant = await fixture.CreateTenantAsync("Busy audited tenant.");
        using var member = await fixture.SignedInClientAsync(tenant);

        var writes = Enumerable.Range(0, 30).Select(i => member.PostAsJsonAsync("api/customer-data", new { title = $"Item {i}", content = "x" }));
        var responses = await Task.WhenAll(writes);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var verified = await fixture.VerifyAuditAsync(tenant.Id);
        Assert.True(verified["ok"]!.GetValue<bool>(), verified.ToJsonString());
        Assert.Equal(32, verified["entries"]!.GetValue<long>()); // tenant.created, account.created, 30 items
    }

    [Fact]
    public async Task Audit_paging_and_bad_queries()
    {
        var tenant = await fixture.CreateTenantAsync("Paged audit tenant.");
        using var operatorClient = fixture.OperatorClient();
        for (var i = 1; i <= 4; i++)
        {
            await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new { token_limit = i });
        }

        var first = await operatorClient.GetFromJsonAsync<JsonObject>($"api/admin/audit?tenant_id={tenant.Id}&limit=3");
        var cursor = first!["next_cursor"]!.GetValue<string>();
        var second = await operatorClient.GetFromJsonAsync<JsonObject>($"api/admin/audit?tenant_id={tenant.Id}&limit=3&cursor={cursor}");

        var seqs = first["items"]!.AsArray().Concat(second!["items"]!.AsArray()).Select(e => e!["seq"]!.GetValue<long>());
        Assert.Equal([5L, 4, 3, 2, 1], seqs);
        Assert.Null(second["next_cursor"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await operatorClient.GetAsync("api/admin/audit?tenant_id=nope")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await operatorClient.GetAsync("api/admin/audit/verify")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await operatorClient.GetAsync("api/admin/audit?limit=0")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await fixture.ClientFor("admin.test").GetAsync("api/admin/audit")).StatusCode);
    }

    private static async Task ExecuteAsync(NpgsqlDataSource db, string sql, JsonObject entry)
    {
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue("id", entry["id"]!.GetValue<long>());
        await command.ExecuteNonQueryAsync();
    }
}
