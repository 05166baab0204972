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

        var entries = await EntriesAsync(tenant.Id);
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

        var verified = await VerifyAsync(tenant.Id);
        Assert.True(verified["ok"]!.GetValue<bool>());
        Assert.Equal(expected.Length, verified["entries"]!.GetValue<long>());

        // The tenant admin sees the same entries on the tenant's own route; a member may not.
        var own = await admin.GetFromJsonAsync<JsonObject>("api/tenant/audit?limit=200");
        Assert.Equal(expected.Length, own!["items"]!.AsArray().Count);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("api/tenant/audit")).StatusCode);
    }

    [Fact]
    public async Task Closing_and_erasing_a_conversation_are_audited_with_their_actor()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Audited conversations.");
        var adminId = (await admin.GetFromJsonAsync<JsonObject>("api/accounts/me"))!["id"]!.GetValue<Guid>();
        using var chat = await tenant.Client.ChatAsync("hello there");
        var conversationId = (await chat.JsonAsync())["conversation_id"]!.GetValue<Guid>();

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"api/conversations/{conversationId}", new { status = "closed" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/conversations/{conversationId}")).StatusCode);

        var entries = await EntriesAsync(tenant.Id);
        Assert.Equal(["tenant.created", "conversation.closed", "conversation.erased"], entries.Select(e => e["action"]!.GetValue<string>()));
        Assert.All(entries.Skip(1), e => Assert.Equal($"account:{adminId}", e["actor"]!.GetValue<string>()));
        Assert.All(entries.Skip(1), e => Assert.Equal($"conversation:{conversationId}", e["target"]!.GetValue<string>()));
        Assert.Equal(1, entries[2]["changes"]!["messages_erased"]!.GetValue<int>());
        Assert.True((await VerifyAsync(tenant.Id))["ok"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Account_changes_and_deletion_are_audited_and_a_refused_one_is_not()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Audited accounts.");
        var adminId = (await admin.GetFromJsonAsync<JsonObject>("api/accounts/me"))!["id"]!.GetValue<Guid>();
        using var member = await fixture.SignedInClientAsync(tenant);
        var memberId = (await member.GetFromJsonAsync<JsonObject>("api/accounts/me"))!["id"]!.GetValue<Guid>();

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"api/accounts/{memberId}", new { status = "disabled" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/accounts/{memberId}")).StatusCode);
        using var lastAdmin = await admin.DeleteAsync($"api/accounts/{adminId}");

        Assert.False(lastAdmin.IsSuccessStatusCode);
        var entries = await EntriesAsync(tenant.Id);
        Assert.Equal(["tenant.created", "account.created", "account.changed", "account.deleted"], entries.Select(e => e["action"]!.GetValue<string>()));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["from"] = "active", ["to"] = "disabled" }, entries[2]["changes"]!["status"]));
        Assert.All(entries.Skip(2), e => Assert.Equal($"account:{adminId}", e["actor"]!.GetValue<string>()));
        Assert.All(entries.Skip(2), e => Assert.Equal($"account:{memberId}", e["target"]!.GetValue<string>()));
    }

    [Fact]
    public async Task An_account_added_by_a_signed_in_admin_names_the_admin_and_one_signing_up_alone_is_anonymous()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Colleagues added from the console.");
        var adminId = (await admin.GetFromJsonAsync<JsonObject>("api/accounts/me"))!["id"]!.GetValue<Guid>();
        var (_, stranger) = await fixture.CreateTenantWithAdminAsync("Another tenant's admin.");
        var before = (await EntriesAsync(tenant.Id)).Count;

        using var byAdmin = await admin.PostAsJsonAsync("api/accounts", new { email = "colleague@example.com", password = "long enough 1" });
        using var alone = await tenant.Client.PostAsJsonAsync("api/accounts", new { email = "visitor@example.com", password = "long enough 2" });
        // A token of another tenant, presented on this domain, does not make its holder the actor.
        using var foreign = new HttpRequestMessage(HttpMethod.Post, "api/accounts") { Content = JsonContent.Create(new { email = "third@example.com", password = "long enough 3" }) };
        foreign.Headers.Authorization = stranger.DefaultRequestHeaders.Authorization;
        using var foreignReply = await tenant.Client.SendAsync(foreign);

        Assert.Equal(HttpStatusCode.Created, byAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.Created, alone.StatusCode);
        Assert.Equal(HttpStatusCode.Created, foreignReply.StatusCode);
        var created = (await EntriesAsync(tenant.Id)).Skip(before).ToList();
        Assert.Equal(["account.created", "account.created", "account.created"], created.Select(e => e["action"]!.GetValue<string>()));
        Assert.Equal([$"account:{adminId}", "anonymous", "anonymous"], created.Select(e => e["actor"]!.GetValue<string>()));
        stranger.Dispose();
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
        Assert.Equal(["tenant.created"], (await EntriesAsync(tenant.Id)).Select(e => e["action"]!.GetValue<string>()));
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

        var entries = await EntriesAsync(tenant.Id);
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
        var entries = await EntriesAsync(tenant.Id);
        var victim = entries[2];

        // The application's own statements are refused by the table's trigger...
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync("update audit_log set actor = 'someone else' where id = @id", victim));
        await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync("delete from audit_log where id = @id", victim));
        Assert.True((await VerifyAsync(tenant.Id))["ok"]!.GetValue<bool>());

        // ...so the test goes round it as a superuser could, with triggers off for its own transaction.
        await ExecuteAsync("""
            begin;
            set local session_replication_role = replica;
            update audit_log set changes = '{"token_limit": {"from": 10, "to": 99999}}' where id = @id;
            commit;
            """, victim);

        var verified = await VerifyAsync(tenant.Id);
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
        var verified = await VerifyAsync(tenant.Id);
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

    /// <summary>The tenant's entries, oldest first.</summary>
    private async Task<List<JsonObject>> EntriesAsync(Guid tenantId)
    {
        using var operatorClient = fixture.OperatorClient();
        var page = await operatorClient.GetFromJsonAsync<JsonObject>($"api/admin/audit?tenant_id={tenantId}&limit=200");
        return [.. page!["items"]!.AsArray().Select(e => e!.AsObject()).Reverse()];
    }

    private async Task<JsonObject> VerifyAsync(Guid tenantId)
    {
        using var operatorClient = fixture.OperatorClient();
        return (await operatorClient.GetFromJsonAsync<JsonObject>($"api/admin/audit/verify?tenant_id={tenantId}"))!;
    }

    private async Task ExecuteAsync(string sql, JsonObject entry)
    {
        await using var command = fixture.Database.CreateCommand(sql);
        command.Parameters.AddWithValue("id", entry["id"]!.GetValue<long>());
        await command.ExecuteNonQueryAsync();
    }
}
