using System.Text.Json.Nodes;
using Npgsql;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>The <c>accounts</c> table; every query is scoped by <c>tenant_id</c>.</summary>
public sealed class AccountStore(TenantDatabase db)
{
    public const string InsertSql = """
        insert into accounts (id, tenant_id, email, display_name, password_hash, role, created_at)
        values (@id, @tenant_id, @email, @display_name, @password_hash, @role, @created_at)
        on conflict (tenant_id, email) do nothing
        """;

    private const string Columns = "id, tenant_id, email, display_name, role, created_at, status, security_stamp";

    /// <summary>Inserts the account and its audit entry; false when the email is taken in this tenant.</summary>
    public Task<bool> TryInsertAsync(AccountView account, string passwordHash) =>
        AuditLog.InTransactionAsync(db, account.TenantId, async (connection, transaction) =>
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
        p.AddWithValue("role", RoleName(account.Role));
        p.AddWithValue("created_at", account.CreatedAt);
    }

    /// <summary>The account with its password hash, or nulls when the tenant has no such email.</summary>
    public async Task<(AccountView? Account, string? PasswordHash)> FindByEmailAsync(Guid tenantId, string email)
    {
        const string sql = $"select {Columns}, password_hash from accounts where tenant_id = @tenant_id and email = @email";
        await using var command = db.CreateCommand(tenantId, sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("email", email);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (Read(reader), reader.GetString(8)) : (null, null);
    }

    public async Task<AccountView?> FindAsync(Guid tenantId, Guid id)
    {
        const string sql = $"select {Columns} from accounts where tenant_id = @tenant_id and id = @id";
        await using var command = db.CreateCommand(tenantId, sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? Read(reader) : null;
    }

    /// <summary>A page of the tenant's accounts in id order (creation order: ids are UUIDv7).</summary>
    public async Task<Page<AccountView>> ListAsync(Guid tenantId, int limit, Guid? afterId)
    {
        const string sql = $"""
            select {Columns} from accounts
            where tenant_id = @tenant_id and (@after::uuid is null or id > @after)
            order by id limit @limit
            """;
        await using var command = db.CreateCommand(tenantId, sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.Add(new NpgsqlParameter<Guid?>("after", NpgsqlTypes.NpgsqlDbType.Uuid) { TypedValue = afterId });
        command.Parameters.AddWithValue("limit", limit + 1);
        await using var reader = await command.ExecuteReaderAsync();
        var items = new List<AccountView>();
        while (await reader.ReadAsync())
        {
            items.Add(Read(reader));
        }
        var next = items.Count > limit ? new PageKey(null, items[limit - 1].Id) : null;
        return new Page<AccountView>([.. items.Take(limit)], next);
    }

    /// <summary>
    /// Applies <paramref name="change"/> (a new security stamp with it), or deletes the account when it is null.
    /// The tenant's active admins are locked first, so two changes at once can never both remove "the other" admin.
    /// </summary>
    public async Task<AccountWrite> WriteAsync(Guid tenantId, Guid id, AccountChange? change)
    {
        const string lockAdmins = "select id from accounts where tenant_id = @tenant_id and role = 'admin' and status = 'active' for update";
        const string find = $"select {Columns} from accounts where tenant_id = @tenant_id and id = @id for update";
        const string update = $"""
            update accounts set role = @role, status = @status, security_stamp = security_stamp + 1
            where tenant_id = @tenant_id and id = @id
            returning {Columns}
            """;
        const string delete = "delete from accounts where tenant_id = @tenant_id and id = @id";

        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await db.BeginAsync(connection, tenantId);
        var activeAdmins = 0;
        await using (var command = Command(lockAdmins))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                activeAdmins++;
            }
        }
        AccountView? current;
        await using (var command = Command(find))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            current = await reader.ReadAsync() ? Read(reader) : null;
        }
        if (current is null)
        {
            return new AccountWrite(AccountWriteResult.NotFound, null);
        }
        var role = change?.Role ?? current.Role;
        var status = change?.Status ?? current.Status;
        var staysActiveAdmin = change is not null && role == AccountRole.Admin && status == AccountStatus.Active;
        if (current.IsActiveAdmin && !staysActiveAdmin && activeAdmins <= 1)
        {
            return new AccountWrite(AccountWriteResult.LastAdmin, current);
        }
        if (change is not null && role == current.Role && status == current.Status)
        {
            // Nothing changes: the account's tokens stay good.
            return new AccountWrite(AccountWriteResult.Written, current);
        }
        AccountView? written = null;
        await using (var command = Command(change is null ? delete : update))
        {
            if (change is not null)
            {
                command.Parameters.AddWithValue("role", RoleName(role));
                command.Parameters.AddWithValue("status", status == AccountStatus.Active ? "active" : "disabled");
            }
            await using var reader = await command.ExecuteReaderAsync();
            if (change is not null && await reader.ReadAsync())
            {
                written = Read(reader);
            }
        }
        await AuditLog.AppendAsync(connection, transaction, change is null
            ? AuditEntry.ByCaller(tenantId, AuditActions.AccountDeleted, $"account:{id}", new() { ["email"] = current.Email })
            : AuditEntry.ByCaller(tenantId, AuditActions.AccountChanged, $"account:{id}", Changes(current, role, status)));
        await transaction.CommitAsync();
        return new AccountWrite(AccountWriteResult.Written, written);

        NpgsqlCommand Command(string sql)
        {
            var command = new NpgsqlCommand(sql, connection, transaction);
            command.Parameters.AddWithValue("tenant_id", tenantId);
            command.Parameters.AddWithValue("id", id);
            return command;
        }
    }

    private static JsonObject Changes(AccountView before, AccountRole role, AccountStatus status)
    {
        var changes = new JsonObject();
        if (role != before.Role)
        {
            changes["role"] = new JsonObject { ["from"] = RoleName(before.Role), ["to"] = RoleName(role) };
        }
        if (status != before.Status)
        {
            changes["status"] = new JsonObject { ["from"] = StatusName(before.Status), ["to"] = StatusName(status) };
        }
        return changes;

        static string StatusName(AccountStatus s) => s == AccountStatus.Active ? "active" : "disabled";
    }

    private static string RoleName(AccountRole role) => role == AccountRole.Admin ? "admin" : "member";

    private static AccountView Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetGuid(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
        r.GetString(4) == "admin" ? AccountRole.Admin : AccountRole.Member, r.GetFieldValue<DateTimeOffset>(5),
        r.GetString(6) == "active" ? AccountStatus.Active : AccountStatus.Disabled, r.GetInt64(7));
}

public enum AccountWriteResult
{
    Written,
    NotFound,
    LastAdmin,
}

/// <summary>What <see cref="AccountStore.WriteAsync"/> did, and the account after it (null once deleted).</summary>
public sealed record class AccountWrite(AccountWriteResult Result, AccountView? Account);
