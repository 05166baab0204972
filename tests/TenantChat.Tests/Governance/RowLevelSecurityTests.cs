using System.Net;
using System.Net.Http.Json;
using Npgsql;
using TenantChat.Grains.Persistence;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Governance;

/// <summary>
/// The second wall: a statement run for one tenant through <see cref="TenantDatabase"/> sees and writes only that
/// tenant's rows, even when it forgets its own <c>tenant_id</c> filter.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RowLevelSecurityTests(ClusterFixture fixture)
{
    /// <summary>Tables both tenants of the test fill through the API, so the check on them cannot pass empty.</summary>
    private static readonly string[] Filled =
        ["tenants", "accounts", "customer_data", "knowledge_chunks", "chat_messages", "conversations", "agent_replies", "audit_log"];

    [Fact]
    public async Task A_query_that_forgets_its_tenant_filter_sees_only_the_scoped_tenants_rows()
    {
        var a = await PopulatedTenantAsync("Tenant A.");
        var b = await PopulatedTenantAsync("Tenant B.");
        var db = new TenantDatabase(fixture.Database);
        var tables = await RowLevelSecurityCatalog.TenantTablesAsync(fixture.Database);
        Assert.Subset(tables.ToHashSet(), Filled.ToHashSet());

        foreach (var table in tables)
        {
            var ownA = await CountAsync(table, a.Id);
            var ownB = await CountAsync(table, b.Id);
            if (Filled.Contains(table))
            {
                Assert.True(ownA > 0 && ownB > 0, $"{table}: both tenants should hold rows (A {ownA}, B {ownB})");
            }
            // No tenant_id filter at all: one statement, then the same inside a multi-statement transaction.
            var unfiltered = $"select tenant_id, count(*) from {TenantTables.Quote(table)} group by tenant_id";
            await using (var command = db.CreateCommand(a.Id, unfiltered))
            {
                Assert.Equal(Expected(a.Id, ownA), await ReadCountsAsync(await command.ExecuteReaderAsync()));
            }
            await using var connection = await db.OpenConnectionAsync();
            await using var transaction = await db.BeginAsync(connection, b.Id);
            await using (var command = new NpgsqlCommand(unfiltered, connection, transaction))
            {
                Assert.Equal(Expected(b.Id, ownB), await ReadCountsAsync(await command.ExecuteReaderAsync()));
            }
        }
    }

    [Fact]
    public async Task Under_one_tenants_scope_another_tenants_rows_can_be_neither_written_nor_changed()
    {
        var a = await PopulatedTenantAsync("Writer A.");
        var b = await PopulatedTenantAsync("Victim B.");
        var db = new TenantDatabase(fixture.Database);
        var titlesOfB = await TitlesAsync(b.Id);

        var insert = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await using var command = db.CreateCommand(a.Id, """
                insert into customer_data (id, tenant_id, title, content, metadata, created_at, updated_at, chunk_count)
                values (gen_random_uuid(), @tenant_id, 'planted', 'planted', '{}', now(), now(), 0)
                """);
            command.Parameters.AddWithValue("tenant_id", b.Id);
            await command.ExecuteNonQueryAsync();
        });
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, insert.SqlState);

        // Unfiltered changes touch A's rows only; moving one of A's rows to B is refused like an insert.
        await using (var connection = await db.OpenConnectionAsync())
        await using (var transaction = await db.BeginAsync(connection, a.Id))
        {
            await using var update = new NpgsqlCommand("update customer_data set title = 'overwritten'", connection, transaction);
            Assert.Equal(await CountAsync("customer_data", a.Id), await update.ExecuteNonQueryAsync());
            await using var delete = new NpgsqlCommand("delete from knowledge_chunks", connection, transaction);
            Assert.Equal(await CountAsync("knowledge_chunks", a.Id), await delete.ExecuteNonQueryAsync());
            await using var move = new NpgsqlCommand("update customer_data set tenant_id = @other", connection, transaction);
            move.Parameters.AddWithValue("other", b.Id);
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await Assert.ThrowsAsync<PostgresException>(() => move.ExecuteNonQueryAsync())).SqlState);
        }
        // The tenant role may append to the audit log and read it, never change it.
        await using (var tamper = db.CreateCommand(a.Id, "update audit_log set actor = 'someone else'"))
        {
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, (await Assert.ThrowsAsync<PostgresException>(() => tamper.ExecuteNonQueryAsync())).SqlState);
        }
        Assert.Equal(titlesOfB, await TitlesAsync(b.Id));
        Assert.DoesNotContain("planted", titlesOfB);
    }

    [Fact]
    public async Task The_full_text_search_that_bypasses_the_policy_for_its_index_answers_only_for_the_scoped_tenant()
    {
        var a = await PopulatedTenantAsync("Searcher A.");
        var b = await PopulatedTenantAsync("Searched B.");
        var db = new TenantDatabase(fixture.Database);
        const string search = "select count(*) from tenant_knowledge_matches(@tenant_id, 'weekdays', 10)";

        Assert.True(await CountMatchesAsync(db.CreateCommand(a.Id, search), a.Id) > 0);
        Assert.Equal(0L, await CountMatchesAsync(db.CreateCommand(a.Id, search), b.Id));
        // The application role (the benchmarking switch off) names the tenant itself.
        Assert.True(await CountMatchesAsync(db.CreateCrossTenantCommand(search), b.Id) > 0);

        static async Task<long> CountMatchesAsync(StoreCommand command, Guid tenantId)
        {
            await using var _ = command;
            command.Parameters.AddWithValue("tenant_id", tenantId);
            return (long)(await command.ExecuteScalarAsync())!;
        }
    }

    [Fact]
    public async Task Without_a_tenant_setting_the_tenant_role_sees_no_row()
    {
        await PopulatedTenantAsync("Someone.");
        await using var connection = await fixture.Database.OpenConnectionAsync();
        foreach (var table in await RowLevelSecurityCatalog.TenantTablesAsync(fixture.Database))
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using var command = new NpgsqlCommand(
                $"select set_config('role', '{TenantDatabase.TenantRole}', true); select count(*) from {TenantTables.Quote(table)}", connection, transaction);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.NextResultAsync();
            await reader.ReadAsync();
            Assert.True(reader.GetInt64(0) == 0, $"{table} shows rows to the tenant role without app.tenant_id");
        }
    }

    [Fact]
    public async Task The_benchmarking_switch_leaves_statements_on_the_connections_own_role()
    {
        var tenantId = Guid.NewGuid();
        var on = new TenantDatabase(fixture.Database);
        var off = new TenantDatabase(fixture.Database, Microsoft.Extensions.Options.Options.Create(new DatabaseOptions { RowLevelSecurity = false }));
        const string who = "select current_user::text, coalesce(current_setting('app.tenant_id', true), '')";

        await using (var command = on.CreateCommand(tenantId, who))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal((TenantDatabase.TenantRole, tenantId.ToString()), (reader.GetString(0), reader.GetString(1)));
        }
        await using (var command = off.CreateCommand(tenantId, who))
        {
            Assert.NotEqual(TenantDatabase.TenantRole, (string)(await command.ExecuteScalarAsync())!);
        }
        // The cross-tenant statement runs on the connection's own role, and no tenant setting reaches it.
        await using (var command = on.CreateCrossTenantCommand(who))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.NotEqual(TenantDatabase.TenantRole, reader.GetString(0));
            Assert.Equal("", reader.GetString(1));
        }
    }

    /// <summary>A tenant with accounts, customer data (indexed into chunks), chat messages and an agent reply.</summary>
    private async Task<TestTenants.Tenant> PopulatedTenantAsync(string systemPrompt)
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync(systemPrompt);
        using (admin)
        {
            using var data = await admin.PostAsJsonAsync("api/customer-data", new { title = "Opening hours", content = "We open at nine on weekdays." });
            Assert.Equal(HttpStatusCode.Created, data.StatusCode);
            using var chat = await tenant.Client.ChatAsync("When do you open?");
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
            var conversationId = (await chat.JsonAsync())["conversation_id"]!.GetValue<string>();
            using var reply = await admin.PostAsJsonAsync($"api/conversations/{conversationId}/replies", new { text = "At nine." });
            Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        }
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await CountAsync("knowledge_chunks", tenant.Id) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the customer data was not indexed within 60 s");
            await Task.Delay(200);
        }
        return tenant;
    }

    /// <summary>On the fixture's own (superuser) connection: the truth the policies are checked against.</summary>
    private async Task<long> CountAsync(string table, Guid tenantId)
    {
        await using var command = fixture.Database.CreateCommand($"select count(*) from {TenantTables.Quote(table)} where tenant_id = @id");
        command.Parameters.AddWithValue("id", tenantId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<List<string>> TitlesAsync(Guid tenantId)
    {
        await using var command = fixture.Database.CreateCommand("select title from customer_data where tenant_id = @id order by id");
        command.Parameters.AddWithValue("id", tenantId);
        await using var reader = await command.ExecuteReaderAsync();
        var titles = new List<string>();
        while (await reader.ReadAsync())
        {
            titles.Add(reader.GetString(0));
        }
        return titles;
    }

    private static List<(Guid, long)> Expected(Guid tenantId, long rows) => rows == 0 ? [] : [(tenantId, rows)];

    private static async Task<List<(Guid, long)>> ReadCountsAsync(NpgsqlDataReader reader)
    {
        await using var _ = reader;
        var counts = new List<(Guid, long)>();
        while (await reader.ReadAsync())
        {
            counts.Add((reader.GetGuid(0), reader.GetInt64(1)));
        }
        return counts;
    }
}
