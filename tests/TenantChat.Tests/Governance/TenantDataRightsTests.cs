using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Governance;

[Collection(ClusterCollection.Name)]
public sealed class TenantDataRightsTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Export_streams_every_row_of_the_tenant_and_none_of_another()
    {
        var tenant = await PopulatedTenantAsync("Exported tenant secret parameter.");
        var other = await PopulatedTenantAsync("Another tenant.");
        using var operatorClient = fixture.OperatorClient();

        using var response = await operatorClient.GetAsync($"api/admin/tenants/{tenant.Id}/export", HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/jsonl", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!.AsObject()).ToList();
        foreach (var table in await ApplicationTablesAsync())
        {
            var exported = lines.Where(l => l["table"]!.GetValue<string>() == table).Select(l => l["row"]!.AsObject()).ToList();
            Assert.Equal(await CountAsync(table, tenant.Id), exported.Count);
            Assert.All(exported, row => Assert.Equal(tenant.Id, row["tenant_id"]!.GetValue<Guid>()));
        }
        Assert.Contains(lines, l => l["table"]!.GetValue<string>() == "chat_messages");
        Assert.Contains(lines, l => l["table"]!.GetValue<string>() == "accounts");
        Assert.DoesNotContain(other.Id.ToString(), text, StringComparison.Ordinal);
        Assert.DoesNotContain("password_hash", text, StringComparison.Ordinal);
        Assert.DoesNotContain(tenant.SystemPrompt, text, StringComparison.Ordinal);
        Assert.DoesNotContain("correct horse", text, StringComparison.Ordinal);

        using var unknown = await operatorClient.GetAsync($"api/admin/tenants/{Guid.NewGuid()}/export");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Deletion_erases_every_row_keeps_a_tombstone_and_frees_the_host_at_once_on_both_frontends()
    {
        var tenant = await PopulatedTenantAsync("Doomed tenant.");
        var other = await PopulatedTenantAsync("Surviving tenant.");
        var tables = await ApplicationTablesAsync();
        var otherBefore = await CountsAsync(tables, other.Id);
        using var operatorClient = fixture.OperatorClient();
        // Two frontends on the cluster, both having served the tenant: each has its host cached.
        await using var secondFrontend = fixture.CreateFrontend();
        using var onSecond = secondFrontend.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri($"http://{tenant.Domain}/") });
        Assert.Equal(HttpStatusCode.OK, (await tenant.Client.ChatAsync("still here?")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await onSecond.ChatAsync("here too?")).StatusCode);

        using var deleted = await operatorClient.DeleteAsync($"api/admin/tenants/{tenant.Id}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        foreach (var table in tables)
        {
            Assert.True(await CountAsync(table, tenant.Id) == (table == "audit_log" ? 1 : 0), $"{table} keeps rows of the deleted tenant");
        }
        foreach (var client in new[] { tenant.Client, onSecond })
        {
            using (var chat = await client.ChatAsync("anyone?"))
            {
                Assert.Equal(HttpStatusCode.NotFound, chat.StatusCode);
                Assert.Equal("unknown_tenant", (await chat.JsonAsync())["code"]!.GetValue<string>());
            }
            using (var usage = await client.GetAsync("api/usage"))
            {
                Assert.Equal("unknown_tenant", (await usage.JsonAsync())["code"]!.GetValue<string>());
            }
        }
        Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.GetAsync($"api/admin/tenants/{tenant.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await operatorClient.DeleteAsync($"api/admin/tenants/{tenant.Id}")).StatusCode);

        var audit = await operatorClient.GetFromJsonAsync<JsonObject>($"api/admin/audit?tenant_id={tenant.Id}");
        var tombstone = Assert.Single(audit!["items"]!.AsArray())!;
        Assert.Equal("tenant.deleted", tombstone["action"]!.GetValue<string>());
        Assert.Equal("operator", tombstone["actor"]!.GetValue<string>());
        var verified = await operatorClient.GetFromJsonAsync<JsonObject>($"api/admin/audit/verify?tenant_id={tenant.Id}");
        Assert.True(verified!["ok"]!.GetValue<bool>());

        // The other tenant is untouched and served; the domain is free for a new tenant.
        Assert.Equal(otherBefore, await CountsAsync(tables, other.Id));
        Assert.Equal(HttpStatusCode.OK, (await other.Client.ChatAsync("still served?")).StatusCode);
        var successor = await fixture.CreateTenantAsync("Successor.", customize: body => body["domain"] = tenant.Domain);
        using var successorCall = await successor.Client.ChatAsync("hello");
        Assert.Equal(HttpStatusCode.OK, successorCall.StatusCode);
    }

    /// <summary>A tenant with an admin, a member, customer data and stored messages.</summary>
    private async Task<TestTenants.Tenant> PopulatedTenantAsync(string systemPrompt)
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync(systemPrompt);
        admin.Dispose();
        using var member = await fixture.SignedInClientAsync(tenant);
        for (var i = 0; i < 2; i++)
        {
            using var data = await member.PostAsJsonAsync("api/customer-data", new { title = $"Record {i}", content = "content" });
            Assert.Equal(HttpStatusCode.Created, data.StatusCode);
            using var chat = await tenant.Client.ChatAsync($"question {i}");
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }
        await IndexedAsync(tenant.Id);
        return tenant;
    }

    /// <summary>
    /// Waits until the tenant's customer data is indexed into knowledge chunks (done after the item is stored), so a
    /// count of its rows taken now does not change later on its own.
    /// </summary>
    private async Task IndexedAsync(Guid tenantId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using var command = fixture.Database.CreateCommand(
                "select count(*) from customer_data where tenant_id = @id and (indexed_at is null or indexed_at < updated_at)");
            command.Parameters.AddWithValue("id", tenantId);
            if ((long)(await command.ExecuteScalarAsync())! == 0)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, "the tenant's customer data was not indexed within a minute");
            await Task.Delay(100);
        }
    }

    /// <summary>Every table with a tenant_id column, from the catalog: a table added later is checked too.</summary>
    private async Task<List<string>> ApplicationTablesAsync()
    {
        await using var command = fixture.Database.CreateCommand("""
            select c.table_name::text from information_schema.columns c
            join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
            where c.table_schema = current_schema() and c.column_name = 'tenant_id' and t.table_type = 'BASE TABLE'
            """);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }
        Assert.Contains("customer_data", tables);
        return tables;
    }

    private async Task<long> CountAsync(string table, Guid tenantId)
    {
        await using var command = fixture.Database.CreateCommand($"select count(*) from \"{table}\" where tenant_id = @id");
        command.Parameters.AddWithValue("id", tenantId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<string> CountsAsync(IEnumerable<string> tables, Guid tenantId)
    {
        var counts = new List<string>();
        foreach (var table in tables)
        {
            counts.Add($"{table}={await CountAsync(table, tenantId)}");
        }
        return string.Join(", ", counts);
    }
}
