extern alias SiloHost;

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using SiloHost::TenantChat.Silo.Schema;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Schema;

/// <summary>
/// The login the system serves with (sql/016, docs/behaviour.md "Row-level security") is walled off from the schema:
/// it can change rows it is granted, never the tables, their policies or the audit log. Only the owner migrates.
/// </summary>
public sealed class ServingLoginTests
{
    [Fact]
    public async Task The_serving_login_cannot_alter_drop_or_truncate_any_table_nor_turn_row_security_off()
    {
        var (owner, serving) = await MigratedDatabaseAsync();
        await using var _ = owner;
        await using var __ = serving;
        var tables = await TablesAsync(owner);
        var tenantTables = await RowLevelSecurityCatalog.TenantTablesAsync(owner);
        Assert.Contains("orleansmembership", tables);
        Assert.Contains("audit_log", tenantTables);

        var refused = new List<string>();
        foreach (var table in tables)
        {
            refused.Add($"alter table {table} add column intruder integer");
            refused.Add($"alter table {table} owner to current_user");
            refused.Add($"drop table {table}");
            refused.Add($"truncate {table}");
        }
        foreach (var table in tenantTables)
        {
            refused.Add($"alter table {table} disable row level security");
            refused.Add($"alter table {table} no force row level security");
            refused.Add($"drop policy tenant_isolation on {table}");
            refused.Add($"create policy intruder on {table} using (true)");
        }
        refused.Add("create table intruder (id integer)");
        refused.Add("update audit_log set actor = 'someone else'");
        refused.Add("alter function tenant_knowledge_matches(uuid, text, integer) owner to current_user");
        refused.Add("select tenantchat_secure_tenant_tables()");
        refused.Add("alter role current_user bypassrls");

        var accepted = new List<string>();
        foreach (var sql in refused)
        {
            await using var command = serving.CreateCommand(sql);
            try
            {
                await command.ExecuteNonQueryAsync();
                accepted.Add(sql);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege)
            {
            }
        }
        Assert.Empty(accepted);
        Assert.Equal(tables, await TablesAsync(owner));
        Assert.Empty(await RowLevelSecurityCatalog.UnsecuredTablesAsync(owner));
    }

    [Fact]
    public async Task The_serving_login_is_no_superuser_has_no_bypassrls_and_owns_nothing()
    {
        var (owner, serving) = await MigratedDatabaseAsync();
        await using var _ = owner;
        await using var __ = serving;

        await using var command = serving.CreateCommand("""
            select r.rolname::text, r.rolsuper, r.rolbypassrls, r.rolcreaterole, r.rolcreatedb,
                   (select count(*) from pg_class c where c.relowner = r.oid)
                   + (select count(*) from pg_proc p where p.proowner = r.oid)
                   + (select count(*) from pg_namespace n where n.nspowner = r.oid)
                   + (select count(*) from pg_shdepend d where d.refclassid = 'pg_authid'::regclass and d.refobjid = r.oid and d.deptype = 'o'),
                   pg_has_role(current_user, 'tenantchat_app', 'member'),
                   has_schema_privilege(r.oid, current_schema(), 'create'),
                   (select count(*) from pg_class c
                    where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p')
                      and has_table_privilege(r.oid, c.oid, 'truncate'))
            from pg_roles r
            where r.rolname in (current_user, 'tenantchat_app', 'tenantchat_tenant')
            order by 1
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var roles = new List<string>();
        while (await reader.ReadAsync())
        {
            var role = reader.GetString(0);
            roles.Add(role);
            Assert.False(reader.GetBoolean(1), $"{role} is a superuser");
            Assert.False(reader.GetBoolean(2), $"{role} has BYPASSRLS");
            Assert.False(reader.GetBoolean(3) || reader.GetBoolean(4), $"{role} may create roles or databases");
            Assert.True(reader.GetInt64(5) == 0, $"{role} owns {reader.GetInt64(5)} objects");
            Assert.True(reader.GetBoolean(6), "the serving login is not a member of tenantchat_app");
            Assert.False(reader.GetBoolean(7), $"{role} may create in the schema");
            Assert.True(reader.GetInt64(8) == 0, $"{role} may truncate {reader.GetInt64(8)} tables");
        }
        Assert.Equal(new[] { "tenantchat_app", TestPostgres.ServingLogin, "tenantchat_tenant" }.Order(StringComparer.Ordinal), roles);
    }

    [Fact]
    public async Task Without_the_owners_connection_string_the_silo_does_not_migrate_and_refuses_to_start()
    {
        var ownerString = await TestPostgres.CreateDatabaseAsync();
        await using var owner = NpgsqlDataSource.Create(ownerString);
        await using var serving = NpgsqlDataSource.Create(TestPostgres.ServingConnectionString(ownerString));

        var refused = await Assert.ThrowsAsync<SchemaNotMigratedException>(() => SiloStartAsync(serving, migrations: null));
        Assert.Equal(SchemaMigrator.Scripts().Select(script => script.Version), refused.Missing);
        Assert.Contains("--migrate", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(TestPostgres.ServingLogin, refused.Message, StringComparison.Ordinal);
        await using (var nothing = owner.CreateCommand("select count(*) from pg_class where relnamespace = current_schema()::regnamespace"))
        {
            Assert.Equal(0L, (long)(await nothing.ExecuteScalarAsync())!);
        }

        // One script short (a build newer than the database): refused too, naming that script.
        await new SchemaMigrator(owner, NullLogger<SchemaMigrator>.Instance).ApplyAsync();
        var last = SchemaMigrator.Scripts()[^1].Version;
        await using (var forget = owner.CreateCommand($"delete from schema_migrations where version = '{last}'"))
        {
            await forget.ExecuteNonQueryAsync();
        }
        Assert.Equal([last], (await Assert.ThrowsAsync<SchemaNotMigratedException>(() => SiloStartAsync(serving, migrations: null))).Missing);

        // Given the owner's string, the silo applies it with that login and starts.
        await SiloStartAsync(serving, migrations: ownerString);
        Assert.Empty(await SchemaMigrator.MissingScriptsAsync(serving));
    }

    [Fact]
    public async Task A_silo_serving_as_the_schema_owner_itself_migrates_at_start_as_before_the_logins_were_separated()
    {
        var ownerString = await TestPostgres.CreateDatabaseAsync();
        await using var owner = NpgsqlDataSource.Create(ownerString);
        await using var serving = NpgsqlDataSource.Create(TestPostgres.ServingConnectionString(ownerString));
        Assert.True(await SchemaMigrator.MayChangeSchemaAsync(owner));
        Assert.False(await SchemaMigrator.MayChangeSchemaAsync(serving));

        await SiloStartAsync(owner, migrations: null);

        Assert.Empty(await SchemaMigrator.MissingScriptsAsync(owner));
        Assert.Empty(await SchemaMigrator.MissingScriptsAsync(serving));
        Assert.False(await SchemaMigrator.MayChangeSchemaAsync(serving));
    }

    [Fact]
    public async Task The_migration_step_builds_the_schema_from_an_empty_database_and_needs_the_owners_string()
    {
        var ownerString = await TestPostgres.CreateDatabaseAsync();
        await using var serving = NpgsqlDataSource.Create(TestPostgres.ServingConnectionString(ownerString));

        Assert.Equal(2, await MigrateCommand.RunAsync(["--migrate"]));
        Assert.Equal(SchemaMigrator.Scripts().Count, (await SchemaMigrator.MissingScriptsAsync(serving)).Count);

        Assert.Equal(0, await MigrateCommand.RunAsync(["--migrate", $"--ConnectionStrings:Migrations={ownerString}"]));
        Assert.Empty(await SchemaMigrator.MissingScriptsAsync(serving));
        await SiloStartAsync(serving, migrations: null);

        // The serving login then does its work: the tables are there and granted to it.
        await using var count = serving.CreateCommand("select (select count(*) from tenants) + (select count(*) from orleansmembership)");
        Assert.Equal(0L, (long)(await count.ExecuteScalarAsync())!);
        await using var owner = NpgsqlDataSource.Create(ownerString);
        Assert.Empty(await RowLevelSecurityCatalog.UnsecuredTablesAsync(owner));
    }

    private static Task SiloStartAsync(NpgsqlDataSource serving, string? migrations)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Migrations"] = migrations })
            .Build();
        var service = new SchemaMigrationService(serving, configuration, NullLoggerFactory.Instance, NullLogger<SchemaMigrationService>.Instance);
        return service.StartingAsync(CancellationToken.None);
    }

    private static async Task<List<string>> TablesAsync(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand(
            "select relname::text from pg_class where relnamespace = current_schema()::regnamespace and relkind in ('r', 'p') order by 1");
        await using var reader = await command.ExecuteReaderAsync();
        var tables = new List<string>();
        while (await reader.ReadAsync())
        {
            tables.Add(reader.GetString(0));
        }
        return tables;
    }

    private static async Task<(NpgsqlDataSource Owner, NpgsqlDataSource Serving)> MigratedDatabaseAsync()
    {
        var ownerString = await TestPostgres.CreateDatabaseAsync();
        var owner = NpgsqlDataSource.Create(ownerString);
        await new SchemaMigrator(owner, NullLogger<SchemaMigrator>.Instance).ApplyAsync();
        return (owner, NpgsqlDataSource.Create(TestPostgres.ServingConnectionString(ownerString)));
    }
}
