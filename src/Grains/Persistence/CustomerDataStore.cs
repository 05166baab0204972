using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>The <c>customer_data</c> table; every statement filters by <c>tenant_id</c>.</summary>
public sealed class CustomerDataStore(NpgsqlDataSource db)
{
    private const string Columns = "id, title, content, metadata::text, created_at, updated_at";

    public async Task<CustomerDataItem> InsertAsync(Guid tenantId, Guid id, CustomerDataInput input, DateTimeOffset now)
    {
        const string sql = $"""
            insert into customer_data (id, tenant_id, title, content, metadata, created_at, updated_at)
            values (@id, @tenant_id, @title, @content, @metadata, @now, @now)
            returning {Columns}
            """;
        await using var command = Command(sql, tenantId, id);
        AddInput(command, input, now);
        return (await ReadAllAsync(command))[0];
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

    public async Task<CustomerDataItem?> UpdateAsync(Guid tenantId, Guid id, CustomerDataInput input, DateTimeOffset now)
    {
        const string sql = $"""
            update customer_data set title = @title, content = @content, metadata = @metadata, updated_at = @now
            where tenant_id = @tenant_id and id = @id
            returning {Columns}
            """;
        await using var command = Command(sql, tenantId, id);
        AddInput(command, input, now);
        return (await ReadAllAsync(command)).FirstOrDefault();
    }

    public async Task<bool> DeleteAsync(Guid tenantId, Guid id)
    {
        await using var command = Command("delete from customer_data where tenant_id = @tenant_id and id = @id", tenantId, id);
        return await command.ExecuteNonQueryAsync() == 1;
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
            items.Add(new CustomerDataItem(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return items;
    }
}
