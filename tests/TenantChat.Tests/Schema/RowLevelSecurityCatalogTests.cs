extern alias SiloHost;

using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using SiloHost::TenantChat.Silo.Schema;
using TenantChat.Grains.Persistence;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Schema;

/// <summary>
/// The schema as migrated holds every table with a tenant_id behind row-level security, found from the catalog: a
/// table a later script adds without it fails here.
/// </summary>
public sealed class RowLevelSecurityCatalogTests
{
    [Fact]
    public async Task Every_table_with_a_tenant_id_has_row_security_and_a_policy_and_the_tenant_role_cannot_bypass_it()
    {
        await using var db = await MigratedDatabaseAsync();

        var tables = await RowLevelSecurityCatalog.TenantTablesAsync(db);
        Assert.Contains("chat_messages", tables);
        Assert.Contains("tenants", tables);
        Assert.Empty(await RowLevelSecurityCatalog.UnsecuredTablesAsync(db));

        await using var role = db.CreateCommand("""
            select r.rolbypassrls, r.rolsuper, r.rolcanlogin,
                   (select count(*) from pg_shdepend d where d.refclassid = 'pg_authid'::regclass and d.refobjid = r.oid and d.deptype = 'o'),
                   has_table_privilege(r.oid, 'audit_log', 'update'), has_table_privilege(r.oid, 'audit_log', 'delete'),
                   has_table_privilege(r.oid, 'tenants', 'delete'),
                   (select count(*) from pg_class c where c.relowner = r.oid)
            from pg_roles r where r.rolname = @role
            """);
        role.Parameters.AddWithValue("role", TenantDatabase.TenantRole);
        await using var reader = await role.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "the tenant role does not exist");
        Assert.False(reader.GetBoolean(0), "the tenant role has BYPASSRLS");
        Assert.False(reader.GetBoolean(1), "the tenant role is a superuser");
        Assert.False(reader.GetBoolean(2), "the tenant role can log in");
        Assert.Equal(0L, reader.GetInt64(3));
        Assert.Equal(0L, reader.GetInt64(7));
        Assert.False(reader.GetBoolean(4) || reader.GetBoolean(5), "the tenant role may change the audit log");
        Assert.False(reader.GetBoolean(6), "the tenant role may delete a tenant");
    }

    [Fact]
    public async Task A_tenant_table_added_later_without_row_security_is_named_until_it_is_secured()
    {
        await using var db = await MigratedDatabaseAsync();
        await using (var add = db.CreateCommand("create table later_feature (id uuid primary key, tenant_id uuid not null references tenants (id))"))
        {
            await add.ExecuteNonQueryAsync();
        }

        var unsecured = Assert.Single(await RowLevelSecurityCatalog.UnsecuredTablesAsync(db));
        Assert.StartsWith("later_feature ", unsecured, StringComparison.Ordinal);
        Assert.Contains("not granted to the application role", unsecured, StringComparison.Ordinal);
        await using var serving = NpgsqlDataSource.Create(TestPostgres.ServingConnectionString(db.ConnectionString));
        var denied = await Assert.ThrowsAsync<PostgresException>(() => CountAsync(serving, "later_feature"));
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);

        // What the migration step does at its end, and a later script may too: the function of 014, redefined by 016.
        await using (var secure = db.CreateCommand("select tenantchat_secure_tenant_tables()"))
        {
            await secure.ExecuteNonQueryAsync();
        }
        Assert.Empty(await RowLevelSecurityCatalog.UnsecuredTablesAsync(db));
        Assert.Equal(0L, await CountAsync(serving, "later_feature"));
        await using var grants = db.CreateCommand("""
            select array_agg(privilege_type::text order by privilege_type) from information_schema.role_table_grants
            where table_name = 'later_feature' and grantee = @app
            """);
        grants.Parameters.AddWithValue("app", RowLevelSecurityCatalog.AppRole);
        Assert.Equal(["DELETE", "INSERT", "SELECT", "UPDATE"], (string[])(await grants.ExecuteScalarAsync())!);
    }

    private static async Task<long> CountAsync(NpgsqlDataSource db, string table)
    {
        await using var command = db.CreateCommand($"select count(*) from {table}");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<NpgsqlDataSource> MigratedDatabaseAsync()
    {
        var db = NpgsqlDataSource.Create(await TestPostgres.CreateDatabaseAsync());
        await new SchemaMigrator(db, NullLogger<SchemaMigrator>.Instance).ApplyAsync();
        return db;
    }
}
