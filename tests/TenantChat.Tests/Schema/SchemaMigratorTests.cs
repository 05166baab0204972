extern alias SiloHost;

using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using SiloHost::TenantChat.Silo.Schema;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Schema;

public sealed class SchemaMigratorTests
{
    private static readonly string[] OrleansKeys =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey", "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey",
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [Fact]
    public async Task Silos_starting_at_the_same_moment_apply_every_script_once()
    {
        await using var db = NpgsqlDataSource.Create(await TestPostgres.CreateDatabaseAsync());

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => new SchemaMigrator(db, NullLogger<SchemaMigrator>.Instance).ApplyAsync()));
        await new SchemaMigrator(db, NullLogger<SchemaMigrator>.Instance).ApplyAsync();

        await using var applied = db.CreateCommand("select array_agg(version order by version) from schema_migrations");
        var versions = (string[])(await applied.ExecuteScalarAsync())!;
        Assert.Equal(SchemaMigrator.Scripts().Select(script => script.Version), versions);
        Assert.Contains("003_tenants", versions);

        await using var keys = db.CreateCommand("select querykey from orleansquery");
        await using var reader = await keys.ExecuteReaderAsync();
        var present = new HashSet<string>();
        while (await reader.ReadAsync())
        {
            present.Add(reader.GetString(0));
        }
        Assert.Subset(present, OrleansKeys.ToHashSet());
    }

    [Fact]
    public async Task Every_script_is_idempotent_on_its_own()
    {
        await using var db = NpgsqlDataSource.Create(await TestPostgres.CreateDatabaseAsync());

        foreach (var (_, sql) in SchemaMigrator.Scripts().Concat(SchemaMigrator.Scripts()))
        {
            await using var command = db.CreateCommand(sql);
            await command.ExecuteNonQueryAsync();
        }

        await using var tables = db.CreateCommand(
            "select count(*) from information_schema.columns where column_name = 'tenant_id' and table_name in ('tenants', 'chat_messages', 'customer_data')");
        Assert.Equal(3L, (long)(await tables.ExecuteScalarAsync())!);
    }
}
