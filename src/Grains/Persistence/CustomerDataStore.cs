using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>The <c>customer_data</c> table; every statement filters by <c>tenant_id</c>.</summary>
public sealed class CustomerDataStore(NpgsqlDataSource db)
{
    private const string Columns = "id, title, content, metadata::text, created_at, updated_at";
    private const string PrefixedColumns = "c.id, c.title, c.content, c.metadata::text, c.created_at, c.updated_at";

    public async Task<CustomerDataItem> InsertAsync(Guid tenantId, Guid id, CustomerDataInput input, DateTimeOffset now)
    {
        const string sql = $"""
            insert into customer_data (id, tenant_id, title, content, metadata, created_at, updated_at)
            values (@id, @tenant_id, @title, @content, @metadata, @now, @now)
            returning {Columns}
            """;
        return await AuditLog.InTransactionAsync(db, async (connection, transaction) =>
        {
            await using var command = Command(sql, tenantId, id, connection, transaction);
            AddInput(command, input, now);
            return (await ReadAllAsync(command))[0];
        }, item => Entry(tenantId, AuditActions.CustomerDataCreated, id, new() { ["title"] = item.Title }));
    }

    public async Task<IReadOnlyList<CustomerDataItem>> ListAsync(Guid tenantId, int limit, Guid? before)
    {
        const string sql = $"""
            select {Columns} from customer_data
            where tenant_id = @tenant_id and (@before::uuid is null or id < @before)
            order by id desc
            limit @limit
            """;
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Uuid) { Value = (object?)before ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAllAsync(command);
    }

    public async Task<CustomerDataItem?> FindAsync(Guid tenantId, Guid id)
    {
        await using var command = Command($"select {Columns} from customer_data where tenant_id = @tenant_id and id = @id", tenantId, id);
        return (await ReadAllAsync(command)).FirstOrDefault();
    }

    /// <summary>Replaces the item; its audit entry names the fields that changed (the title by value, the rest by name).</summary>
    public async Task<CustomerDataItem?> UpdateAsync(Guid tenantId, Guid id, CustomerDataInput input, DateTimeOffset now)
    {
        const string sql = $"""
            with old as (
                select title, content, metadata from customer_data where tenant_id = @tenant_id and id = @id for update
            )
            update customer_data c set title = @title, content = @content, metadata = @metadata, updated_at = @now
            from old
            where c.tenant_id = @tenant_id and c.id = @id
            returning old.title, old.content <> c.content, old.metadata <> c.metadata, {PrefixedColumns}
            """;
        return await AuditLog.InTransactionAsync(db, async (connection, transaction) =>
        {
            await using var command = Command(sql, tenantId, id, connection, transaction);
            AddInput(command, input, now);
            await using var reader = await command.ExecuteReaderAsync();
            if (!await reader.ReadAsync())
            {
                return ((CustomerDataItem Item, JsonObject Changes)?)null;
            }
            var changes = new JsonObject();
            if (reader.GetString(0) != input.Title)
            {
                changes["title"] = new JsonObject { ["from"] = reader.GetString(0), ["to"] = input.Title };
            }
            if (reader.GetBoolean(1))
            {
                changes["content"] = new JsonObject { ["changed"] = true };
            }
            if (reader.GetBoolean(2))
            {
                changes["metadata"] = new JsonObject { ["changed"] = true };
            }
            return (Read(reader, 3), changes);
        }, updated => updated is { } u ? Entry(tenantId, AuditActions.CustomerDataChanged, id, u.Changes) : null) is { } result
            ? result.Item
            : null;
    }

    public async Task<bool> DeleteAsync(Guid tenantId, Guid id)
    {
        const string sql = "delete from customer_data where tenant_id = @tenant_id and id = @id returning title";
        var title = await AuditLog.InTransactionAsync(db, async (connection, transaction) =>
        {
            await using var command = Command(sql, tenantId, id, connection, transaction);
            return await command.ExecuteScalarAsync() as string;
        }, deleted => deleted is null ? null : Entry(tenantId, AuditActions.CustomerDataDeleted, id, new() { ["title"] = deleted }));
        return title is not null;
    }

    private static AuditEntry Entry(Guid tenantId, string action, Guid id, JsonObject changes) =>
        AuditEntry.ByCaller(tenantId, action, $"customer_data:{id}", changes);

    private static NpgsqlCommand Command(string sql, Guid tenantId, Guid id, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("id", id);
        return command;
    }

    private NpgsqlCommand Command(string sql, Guid tenantId, Guid id)
    {
        var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("id", id);
        return command;
    }

    private static void AddInput(NpgsqlCommand command, CustomerDataInput input, DateTimeOffset now)
    {
        command.Parameters.AddWithValue("title", input.Title);
        command.Parameters.AddWithValue("content", input.Content);
        command.Parameters.Add(new NpgsqlParameter("metadata", NpgsqlDbType.Jsonb) { Value = input.MetadataJson });
        command.Parameters.AddWithValue("now", now);
    }

    private static async Task<List<CustomerDataItem>> ReadAllAsync(NpgsqlCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        var items = new List<CustomerDataItem>();
        while (await reader.ReadAsync())
        {
            items.Add(Read(reader, 0));
        }
        return items;
    }

    private static CustomerDataItem Read(NpgsqlDataReader r, int first) =>
        new(r.GetGuid(first), r.GetString(first + 1), r.GetString(first + 2), r.GetString(first + 3),
            r.GetFieldValue<DateTimeOffset>(first + 4), r.GetFieldValue<DateTimeOffset>(first + 5));
}
