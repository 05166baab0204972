using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>
/// A write of customer data: the item as stored, or, when its chunks would take the tenant's knowledge past the
/// cap, nothing written and the chunks the tenant holds already.
/// </summary>
public sealed record class CustomerDataWrite(CustomerDataItem? Item, long ChunksHeld, bool OverCap = false);

/// <summary>The <c>customer_data</c> table; every statement filters by <c>tenant_id</c>.</summary>
public sealed class CustomerDataStore(TenantDatabase db)
{
    private const string Columns = "id, title, content, metadata::text, created_at, updated_at, indexed_at, index_error";

    /// <summary>Inserts the item unless its <paramref name="chunks"/> would take the tenant past <paramref name="maxChunks"/>.</summary>
    public Task<CustomerDataWrite> InsertAsync(Guid tenantId, Guid id, CustomerDataInput input, DateTimeOffset now, int chunks, int maxChunks)
    {
        const string sql = $"""
            insert into customer_data (id, tenant_id, title, content, metadata, created_at, updated_at, chunk_count)
            values (@id, @tenant_id, @title, @content, @metadata, @now, @now, @chunks)
            returning {Columns}
            """;
        return WriteWithinCapAsync(sql, tenantId, id, input, now, chunks, maxChunks,
            (item, _) => Entry(tenantId, AuditActions.CustomerDataCreated, id, new() { ["title"] = item.Title }));
    }

    public async Task<IReadOnlyList<CustomerDataItem>> ListAsync(Guid tenantId, int limit, Guid? before)
    {
        const string sql = $"""
            select {Columns} from customer_data
            where tenant_id = @tenant_id and (@before::uuid is null or id < @before)
            order by id desc
            limit @limit
            """;
        await using var command = db.CreateCommand(tenantId, sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.Add(new NpgsqlParameter("before", NpgsqlDbType.Uuid) { Value = (object?)before ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit);
        return await ReadAllAsync(await command.ExecuteReaderAsync());
    }

    public async Task<CustomerDataItem?> FindAsync(Guid tenantId, Guid id)
    {
        await using var command = Command($"select {Columns} from customer_data where tenant_id = @tenant_id and id = @id", tenantId, id);
        return (await ReadAllAsync(await command.ExecuteReaderAsync())).FirstOrDefault();
    }

    /// <summary>
    /// Replaces the item (its new version unindexed until its chunks are stored) unless its
    /// <paramref name="chunks"/> would take the tenant past <paramref name="maxChunks"/>; no item when there is none.
    /// </summary>
    public Task<CustomerDataWrite> UpdateAsync(Guid tenantId, Guid id, CustomerDataInput input, DateTimeOffset now, int chunks, int maxChunks)
    {
        const string sql = $"""
            update customer_data set title = @title, content = @content, metadata = @metadata, updated_at = @now,
                chunk_count = @chunks, indexed_at = null, index_error = null
            where tenant_id = @tenant_id and id = @id
            returning {Columns}
            """;
        return WriteWithinCapAsync(sql, tenantId, id, input, now, chunks, maxChunks,
            (item, old) => Entry(tenantId, AuditActions.CustomerDataChanged, id, Changes(old!, item)));
    }

    /// <summary>What an update changed, for its audit entry: the title by value, content and metadata by name only.</summary>
    private static JsonObject Changes(CustomerDataItem old, CustomerDataItem item)
    {
        var changes = new JsonObject();
        if (old.Title != item.Title)
        {
            changes["title"] = new JsonObject { ["from"] = old.Title, ["to"] = item.Title };
        }
        if (old.Content != item.Content)
        {
            changes["content"] = new JsonObject { ["changed"] = true };
        }
        if (old.MetadataJson != item.MetadataJson)
        {
            changes["metadata"] = new JsonObject { ["changed"] = true };
        }
        return changes;
    }

    /// <summary>
    /// Runs a write after counting the chunks of the tenant's other items, under a lock per tenant held to the
    /// commit, so concurrent writes cannot pass the cap together. The write's audit entry, made from the item as it
    /// was (null when new) and as it is, is appended in the same transaction.
    /// </summary>
    private async Task<CustomerDataWrite> WriteWithinCapAsync(string sql, Guid tenantId, Guid id, CustomerDataInput input, DateTimeOffset now,
        int chunks, int maxChunks, Func<CustomerDataItem, CustomerDataItem?, AuditEntry> entryFor)
    {
        const string held = """
            select pg_advisory_xact_lock(hashtextextended('knowledge:' || @tenant_id::text, 0));
            select coalesce(sum(chunk_count), 0)::bigint from customer_data where tenant_id = @tenant_id and id <> @id;
            """;
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await db.BeginAsync(connection, tenantId);
        long chunksHeld;
        await using (var count = new NpgsqlCommand(held, connection, transaction))
        {
            count.Parameters.AddWithValue("tenant_id", tenantId);
            count.Parameters.AddWithValue("id", id);
            await using var reader = await count.ExecuteReaderAsync();
            await reader.NextResultAsync();
            await reader.ReadAsync();
            chunksHeld = reader.GetInt64(0);
        }
        if (chunksHeld + chunks > maxChunks)
        {
            return new CustomerDataWrite(null, chunksHeld, OverCap: true);
        }
        await using var before = Command($"select {Columns} from customer_data where tenant_id = @tenant_id and id = @id for update",
            tenantId, id, connection, transaction);
        var old = (await ReadAllAsync(await before.ExecuteReaderAsync())).FirstOrDefault();
        await using var command = Command(sql, tenantId, id, connection, transaction);
        command.Parameters.AddWithValue("chunks", chunks);
        AddInput(command, input, now);
        var item = (await ReadAllAsync(await command.ExecuteReaderAsync())).FirstOrDefault();
        if (item is not null)
        {
            await AuditLog.AppendAsync(connection, transaction, entryFor(item, old));
        }
        await transaction.CommitAsync();
        return new CustomerDataWrite(item, chunksHeld);
    }

    public async Task<bool> DeleteAsync(Guid tenantId, Guid id)
    {
        const string sql = "delete from customer_data where tenant_id = @tenant_id and id = @id returning title";
        var title = await AuditLog.InTransactionAsync(db, tenantId, async (connection, transaction) =>
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

    private StoreCommand Command(string sql, Guid tenantId, Guid id)
    {
        var command = db.CreateCommand(tenantId, sql);
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

    private static async Task<List<CustomerDataItem>> ReadAllAsync(NpgsqlDataReader reader)
    {
        await using var _ = reader;
        var items = new List<CustomerDataItem>();
        while (await reader.ReadAsync())
        {
            items.Add(new CustomerDataItem(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }
        return items;
    }
}
