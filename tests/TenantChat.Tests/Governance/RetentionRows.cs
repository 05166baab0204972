using Npgsql;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Governance;

/// <summary>What the retention tests read and write behind the application's back: old history, counts, reminders.</summary>
internal static class RetentionRows
{
    /// <summary>
    /// Stores <paramref name="count"/> messages (a tenth of them cache hits) and <paramref name="replies"/> agent
    /// replies in a new conversation, <paramref name="daysAgo"/> days old, behind the application's back as history
    /// would have accumulated. Returns the conversation's id.
    /// </summary>
    public static async Task<Guid> SeedAsync(this ClusterFixture fixture, Guid tenantId, int daysAgo, int count, int replies)
    {
        var conversation = Guid.NewGuid();
        var at = DateTimeOffset.UtcNow.AddDays(-daysAgo);
        await using var batch = fixture.Database.CreateBatch();
        batch.BatchCommands.Add(new("""
            insert into conversations (id, tenant_id, status, channel, created_at, last_message_at, message_count)
            values (@conversation, @tenant, 'open', 'api', @at, @at + interval '1 hour', @count * 2 + @replies)
            """));
        batch.BatchCommands.Add(new("""
            insert into chat_messages (id, tenant_id, conversation_id, prompt, response, model, prompt_tokens, completion_tokens,
                total_tokens, cost_usd, cached, tokens_saved, created_at)
            select gen_random_uuid(), @tenant, @conversation, 'old prompt ' || i, 'old answer', case when i % 2 = 0 then 'openai' else 'mistral' end,
                10, 5, 15, 0.000125, i % 10 = 0, case when i % 10 = 0 then 15 else 0 end, @at + i * interval '1 second'
            from generate_series(1, @count) i
            """));
        batch.BatchCommands.Add(new("""
            insert into agent_replies (id, tenant_id, conversation_id, text, created_at)
            select gen_random_uuid(), @tenant, @conversation, 'an agent wrote this', @at + interval '30 minutes' + i * interval '1 second'
            from generate_series(1, @replies) i
            """));
        foreach (var command in batch.BatchCommands.Cast<NpgsqlBatchCommand>())
        {
            command.Parameters.AddWithValue("conversation", conversation);
            command.Parameters.AddWithValue("tenant", tenantId);
            command.Parameters.AddWithValue("at", at);
            command.Parameters.AddWithValue("count", count);
            command.Parameters.AddWithValue("replies", replies);
        }
        await batch.ExecuteNonQueryAsync();
        return conversation;
    }

    public sealed record class Counts(long Messages, long Replies, DateTimeOffset? Oldest);

    public static async Task<Counts> CountsAsync(this ClusterFixture fixture, Guid tenantId)
    {
        await using var command = fixture.Database.CreateCommand("""
            select (select count(*) from chat_messages where tenant_id = @id),
                   (select count(*) from agent_replies where tenant_id = @id),
                   least((select min(created_at) from chat_messages where tenant_id = @id),
                         (select min(created_at) from agent_replies where tenant_id = @id))
            """);
        command.Parameters.AddWithValue("id", tenantId);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new Counts(reader.GetInt64(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
    }

    public static async Task<bool> ReminderExistsAsync(this ClusterFixture fixture, Guid tenantId)
    {
        await using var command = fixture.Database.CreateCommand("""
            select count(*) from orleansreminders
            where remindername = 'retention-purge' and (grainid like '%' || @n || '%' or grainid like '%' || @d || '%')
            """);
        command.Parameters.AddWithValue("n", tenantId.ToString("N"));
        command.Parameters.AddWithValue("d", tenantId.ToString("D"));
        return (long)(await command.ExecuteScalarAsync())! == 1;
    }

    public static async Task<int> MessageCountAsync(this ClusterFixture fixture, Guid conversationId)
    {
        await using var command = fixture.Database.CreateCommand("select message_count from conversations where id = @id");
        command.Parameters.AddWithValue("id", conversationId);
        return (int)(await command.ExecuteScalarAsync())!;
    }
}
