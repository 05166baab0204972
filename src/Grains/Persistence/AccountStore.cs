using Npgsql;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>The <c>accounts</c> table; every query is scoped by <c>tenant_id</c>.</summary>
public sealed class AccountStore(NpgsqlDataSource db)
{
    public const string InsertSql = """
        insert into accounts (id, tenant_id, email, display_name, password_hash, role, created_at)
        values (@id, @tenant_id, @email, @display_name, @password_hash, @role, @created_at)
        on conflict (tenant_id, email) do nothing
        """;

    private const string Columns = "id, tenant_id, email, display_name, role, created_at";

    /// <summary>Inserts the account and its audit entry; false when the email is taken in this tenant.</summary>
    public Task<bool> TryInsertAsync(AccountView account, string passwordHash) =>
        AuditLog.InTransactionAsync(db, async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand(InsertSql, connection, transaction);
            AddInsertParameters(command.Parameters, account, passwordHash);
            return await command.ExecuteNonQueryAsync() == 1;
        }, inserted => inserted ? CreatedEntry(account) : null);

    /// <summary>The entry of a new account: its email and role, never its password.</summary>
    public static AuditEntry CreatedEntry(AccountView account) =>
        AuditEntry.ByCaller(account.TenantId, AuditActions.AccountCreated, $"account:{account.Id}", new()
        {
            ["email"] = account.Email,
            ["role"] = account.Role == AccountRole.Admin ? "admin" : "member",
        });

    public static void AddInsertParameters(NpgsqlParameterCollection p, AccountView account, string passwordHash)
    {
        p.AddWithValue("id", account.Id);
        p.AddWithValue("tenant_id", account.TenantId);
        p.AddWithValue("email", account.Email);
        p.AddWithValue("display_name", (object?)account.DisplayName ?? DBNull.Value);
        p.AddWithValue("password_hash", passwordHash);
        p.AddWithValue("role", account.Role == AccountRole.Admin ? "admin" : "member");
        p.AddWithValue("created_at", account.CreatedAt);
    }

    /// <summary>The account with its password hash, or nulls when the tenant has no such email.</summary>
    public async Task<(AccountView? Account, string? PasswordHash)> FindByEmailAsync(Guid tenantId, string email)
    {
        const string sql = $"select {Columns}, password_hash from accounts where tenant_id = @tenant_id and email = @email";
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("email", email);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (Read(reader), reader.GetString(6)) : (null, null);
    }

    public async Task<AccountView?> FindAsync(Guid tenantId, Guid id)
    {
        const string sql = $"select {Columns} from accounts where tenant_id = @tenant_id and id = @id";
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Read(reader) : null;
    }

    private static AccountView Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
        r.GetString(4) == "admin" ? AccountRole.Admin : AccountRole.Member, r.GetFieldValue<DateTimeOffset>(5));
}
