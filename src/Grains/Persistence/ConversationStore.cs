using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>
/// The <c>conversations</c> and <c>agent_replies</c> tables, and a conversation's messages read back as a transcript.
/// Every statement is scoped by <c>tenant_id</c>: another tenant's conversation id finds nothing. Rows of
/// <c>conversations</c> are created and counted by the chat ledger's own statement (ChatMessageStore.AppendAsync),
/// in the same transaction as the messages.
/// </summary>
public sealed class ConversationStore(TenantDatabase db)
{
    /// <summary>The most messages one transcript read returns; a poller asks again with <c>after</c> set to the last one's time.</summary>
    public const int MaxTranscriptMessages = 1000;

    private const string ViewColumns = "id, status, channel, created_at, last_message_at, message_count";

    /// <summary>
    /// What a chat call continuing a conversation needs, in one round trip: its status and its last
    /// <paramref name="maxTurns"/> exchanges, oldest first. Null when this tenant has no such conversation.
    /// </summary>
    public async Task<(ConversationStatus Status, IReadOnlyList<ConversationTurn> Turns)?> FindForCallAsync(Guid tenantId, Guid conversationId, int maxTurns)
    {
        const string sql = """
            select c.status, m.prompt, m.response
            from conversations c
            left join lateral (
                select prompt, response, created_at, id from chat_messages
                where tenant_id = c.tenant_id and conversation_id = c.id
                order by created_at desc, id desc
                limit @limit
            ) m on true
            where c.tenant_id = @tenant_id and c.id = @conversation_id
            order by m.created_at, m.id
            """;
        await using var command = db.CreateCommand(tenantId, sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("conversation_id", conversationId);
        command.Parameters.AddWithValue("limit", Math.Max(maxTurns, 0));
        await using var reader = await command.ExecuteReaderAsync();
        ConversationStatus? status = null;
        var turns = new List<ConversationTurn>();
        while (await reader.ReadAsync())
        {
            status = ConversationNames.ParseStatus(reader.GetString(0));
            if (!reader.IsDBNull(1))
            {
                turns.Add(new ConversationTurn(reader.GetString(1), reader.GetString(2)));
            }
        }
        return status is { } found ? (found, turns) : null;
    }

    /// <summary>Newest activity first, after <paramref name="after"/> in that order; optionally one status only.</summary>
    public async Task<IReadOnlyList<ConversationView>> ListAsync(Guid tenantId, ConversationStatus? status, int limit, PageKey? after)
    {
        const string sql = $"""
            select {ViewColumns}
            from conversations
            where tenant_id = @tenant_id
              and (@status::text is null or status = @status)
              and (@after_at::timestamptz is null or (last_message_at, id) < (@after_at, @after_id))
            order by last_message_at desc, id desc
            limit @limit
            """;
        await using var command = db.CreateCommand(tenantId, sql);
        var p = command.Parameters;
        p.AddWithValue("tenant_id", tenantId);
        p.Add(new NpgsqlParameter("status", NpgsqlDbType.Text) { Value = status is { } s ? ConversationNames.Of(s) : DBNull.Value });
        p.AddAfter(after);
        p.AddWithValue("limit", limit);
        return await ReadViewsAsync(await command.ExecuteReaderAsync());
    }

    /// <summary>Sets the status of this tenant's conversation; null when it has none with this id.</summary>
    public async Task<ConversationView?> SetStatusAsync(Guid tenantId, Guid id, ConversationStatus status)
    {
        const string sql = $"""
            update conversations set status = @status
            where tenant_id = @tenant_id and id = @id
            returning {ViewColumns}
            """;
        return await AuditLog.InTransactionAsync(db, tenantId, async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            command.Parameters.AddWithValue("tenant_id", tenantId);
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("status", ConversationNames.Of(status));
            return (await ReadViewsAsync(await command.ExecuteReaderAsync())).FirstOrDefault();
        }, changed => changed is null ? null : AuditEntry.ByCaller(tenantId,
            status == ConversationStatus.Closed ? AuditActions.ConversationClosed : AuditActions.ConversationStatusChanged,
            AuditActions.ConversationTarget(id), new() { ["status"] = new JsonObject { ["to"] = ConversationNames.Of(status) } }));
    }

    /// <summary>Stores a tenant user's reply and counts it in the conversation, in one statement; null when there is no such conversation.</summary>
    public async Task<AgentReply?> AddReplyAsync(Guid tenantId, Guid conversationId, Guid? authorId, string text, DateTimeOffset now)
    {
        const string sql = """
            with conversation as (
                update conversations set last_message_at = greatest(last_message_at, @now), message_count = message_count + 1
                where tenant_id = @tenant_id and id = @conversation_id
                returning id
            )
            insert into agent_replies (id, tenant_id, conversation_id, author_id, text, created_at)
            select @id, @tenant_id, id, @author_id, @text, @now from conversation
            """;
        var reply = new AgentReply(Guid.CreateVersion7(), conversationId, text, now);
        await using var command = db.CreateCommand(tenantId, sql);
        var p = command.Parameters;
        p.AddWithValue("id", reply.Id);
        p.AddWithValue("tenant_id", tenantId);
        p.AddWithValue("conversation_id", conversationId);
        p.Add(new NpgsqlParameter("author_id", NpgsqlDbType.Uuid) { Value = (object?)authorId ?? DBNull.Value });
        p.AddWithValue("text", text);
        p.AddWithValue("now", now);
        return await command.ExecuteNonQueryAsync() == 1 ? reply : null;
    }

    /// <summary>
    /// The conversation's messages oldest first, only those after <paramref name="after"/> when given: each
    /// exchange is the visitor's prompt and, when there was one, the AI's answer; agent replies fall in between by
    /// time. Null when this tenant has no such conversation.
    /// </summary>
    public async Task<Transcript?> ReadTranscriptAsync(Guid tenantId, Guid id, DateTimeOffset? after)
    {
        const string sql = """
            select status, null, null, null, null, null from conversations where tenant_id = @tenant_id and id = @id
            union all
            select * from (
                select null, role, text, created_at, id, part from (
                    select 'user' as role, prompt as text, created_at, id, 0 as part from chat_messages
                    where tenant_id = @tenant_id and conversation_id = @id
                    union all
                    select 'assistant', response, created_at, id, 1 from chat_messages
                    where tenant_id = @tenant_id and conversation_id = @id and response <> ''
                    union all
                    select 'agent', text, created_at, id, 0 from agent_replies
                    where tenant_id = @tenant_id and conversation_id = @id
                ) messages
                where @after::timestamptz is null or created_at > @after
                order by created_at, id, part
                limit @limit
            ) page
            """;
        await using var command = db.CreateCommand(tenantId, sql);
        var p = command.Parameters;
        p.AddWithValue("tenant_id", tenantId);
        p.AddWithValue("id", id);
        p.Add(new NpgsqlParameter("after", NpgsqlDbType.TimestampTz) { Value = (object?)after ?? DBNull.Value });
        p.AddWithValue("limit", MaxTranscriptMessages);
        await using var reader = await command.ExecuteReaderAsync();
        ConversationStatus? status = null;
        var messages = new List<(TranscriptMessage Message, Guid Id, int Part)>();
        while (await reader.ReadAsync())
        {
            if (!reader.IsDBNull(0))
            {
                status = ConversationNames.ParseStatus(reader.GetString(0));
            }
            else
            {
                messages.Add((new TranscriptMessage(reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)),
                    reader.GetGuid(4), reader.GetInt32(5)));
            }
        }
        // Without the conversation's row there is nothing to show, even if messages raced in.
        return status is { } found
            ? new Transcript(id, found, [.. messages.OrderBy(m => m.Message.CreatedAt).ThenBy(m => m.Id).ThenBy(m => m.Part).Select(m => m.Message)])
            : null;
    }

    /// <summary>
    /// Erases this tenant's conversation in one statement: its row and its agent replies go, its messages lose their
    /// text but keep their token counts (the ledger stays exact). False when there is no such conversation.
    /// </summary>
    public async Task<bool> EraseAsync(Guid tenantId, Guid id, DateTimeOffset now)
    {
        const string sql = """
            with gone as (
                delete from conversations where tenant_id = @tenant_id and id = @id returning id
            ), erased as (
                update chat_messages set prompt = '', response = '', erased_at = @now
                where tenant_id = @tenant_id and conversation_id in (select id from gone)
                returning id
            )
            select (select count(*) from gone), (select count(*) from erased)
            """;
        var (gone, _) = await AuditLog.InTransactionAsync(db, tenantId, async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            command.Parameters.AddWithValue("tenant_id", tenantId);
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("now", now);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            return (reader.GetInt64(0), reader.GetInt64(1));
        }, erased => erased.Item1 == 1
            ? AuditEntry.ByCaller(tenantId, AuditActions.ConversationErased, AuditActions.ConversationTarget(id), new() { ["messages_erased"] = erased.Item2 })
            : null);
        return gone == 1;
    }

    private static async Task<List<ConversationView>> ReadViewsAsync(NpgsqlDataReader reader)
    {
        await using var _ = reader;
        var items = new List<ConversationView>();
        while (await reader.ReadAsync())
        {
            items.Add(new ConversationView(reader.GetGuid(0), ConversationNames.ParseStatus(reader.GetString(1)) ?? ConversationStatus.Open,
                ConversationNames.ParseChannel(reader.GetString(2)) ?? ConversationChannel.Api, reader.GetFieldValue<DateTimeOffset>(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetInt32(5)));
        }
        return items;
    }
}
