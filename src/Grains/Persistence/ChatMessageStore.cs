using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>The <c>chat_messages</c> ledger: every stored exchange, and the tenant totals written with it.</summary>
public sealed class ChatMessageStore(NpgsqlDataSource db)
{
    private const string ViewColumns =
        "id, conversation_id, prompt, response, model, seed, prompt_tokens, completion_tokens, created_at, provider, cached";

    /// <summary>
    /// Stores a batch of messages and adds them to the tenant's totals in one statement (one round trip, one
    /// transaction), so the totals in <c>tenants</c> always equal the sum of the stored messages. A message whose id
    /// is already stored (a retried request that did commit) is skipped and not counted again. The totals are added
    /// to as stored, never overwritten from memory: while a silo hands a tenant over (a graceful stop), its old
    /// activation may still be committing calls when the new one has already read the totals, and neither must undo
    /// the other's. <paramref name="before"/> gives the period: when it starts later than the stored one (a new
    /// month), the totals start again from zero. Returns the ids stored now and the totals after.
    /// </summary>
    public async Task<(HashSet<Guid> Stored, TenantUsage After)> AppendAsync(
        Guid tenantId, IReadOnlyList<StoredMessage> messages, DateTimeOffset createdAt, TenantUsage before)
    {
        const string sql = """
            with inserted as (
                insert into chat_messages (id, tenant_id, conversation_id, prompt, response, model, seed,
                    prompt_tokens, completion_tokens, total_tokens, provider, cached, created_at)
                select m.id, @tenant_id, m.conversation_id, m.prompt, m.response, m.model, m.seed,
                    m.prompt_tokens, m.completion_tokens, m.prompt_tokens + m.completion_tokens, m.provider, m.cached, @created_at
                from unnest(@ids, @conversation_ids, @prompts, @responses, @models, @seeds, @prompt_tokens, @completion_tokens,
                        @providers, @cached)
                    as m(id, conversation_id, prompt, response, model, seed, prompt_tokens, completion_tokens, provider, cached)
                on conflict (id) do nothing
                returning id, total_tokens
            ), totals as (
                update tenants set
                    tokens_used = (case when period_start < @period_start then 0 else tokens_used end)
                        + (select coalesce(sum(total_tokens), 0) from inserted),
                    calls = (case when period_start < @period_start then 0 else calls end) + (select count(*) from inserted),
                    period_start = greatest(period_start, @period_start),
                    updated_at = @created_at
                where id = @tenant_id
                returning tokens_used, calls, period_start
            )
            select (select coalesce(array_agg(id), '{}') from inserted), tokens_used, calls, period_start from totals
            """;
        await using var command = db.CreateCommand(sql);
        var p = command.Parameters;
        p.AddWithValue("tenant_id", tenantId);
        p.AddWithValue("created_at", createdAt);
        p.AddWithValue("period_start", before.PeriodStart);
        p.AddWithValue("ids", messages.Select(m => m.Id).ToArray());
        p.AddWithValue("conversation_ids", messages.Select(m => m.ConversationId).ToArray());
        p.AddWithValue("prompts", messages.Select(m => m.Prompt).ToArray());
        p.AddWithValue("responses", messages.Select(m => m.Response).ToArray());
        p.AddWithValue("models", messages.Select(m => m.Model).ToArray());
        p.Add(new NpgsqlParameter("seeds", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = messages.Select(m => m.Seed).ToArray() });
        p.AddWithValue("prompt_tokens", messages.Select(m => m.Usage.PromptTokens).ToArray());
        p.AddWithValue("completion_tokens", messages.Select(m => m.Usage.CompletionTokens).ToArray());
        p.AddWithValue("providers", messages.Select(m => m.Provider).ToArray());
        p.AddWithValue("cached", messages.Select(m => m.Cached).ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException($"Tenant {tenantId} has no row.");
        }
        var stored = reader.GetFieldValue<Guid[]>(0).ToHashSet();
        return (stored, new TenantUsage(reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3)));
    }

    /// <summary>A stored exchange of this tenant by id, or null.</summary>
    public async Task<ChatMessageView?> FindAsync(Guid tenantId, Guid id)
    {
        const string sql = $"""
            select {ViewColumns}
            from chat_messages where tenant_id = @tenant_id and id = @id
            """;
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("id", id);
        return (await ReadViewsAsync(command)).FirstOrDefault();
    }

    /// <summary>
    /// The last <paramref name="maxTurns"/> turns of a conversation of this tenant, oldest first; null when the
    /// tenant has no such conversation.
    /// </summary>
    public async Task<IReadOnlyList<ConversationTurn>?> GetRecentTurnsAsync(Guid tenantId, Guid conversationId, int maxTurns)
    {
        const string sql = """
            select prompt, response from chat_messages
            where tenant_id = @tenant_id and conversation_id = @conversation_id
            order by created_at desc, id desc
            limit @limit
            """;
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("conversation_id", conversationId);
        // At least one row, even with no context wanted, to tell an empty context from an unknown conversation.
        command.Parameters.AddWithValue("limit", Math.Max(maxTurns, 1));
        await using var reader = await command.ExecuteReaderAsync();
        var turns = new List<ConversationTurn>();
        while (await reader.ReadAsync())
        {
            turns.Add(new ConversationTurn(reader.GetString(0), reader.GetString(1)));
        }
        if (turns.Count == 0)
        {
            return null;
        }
        turns.Reverse();
        return turns.Count > maxTurns ? turns.GetRange(turns.Count - maxTurns, maxTurns) : turns;
    }

    /// <summary>How many of this tenant's answers since <paramref name="since"/> came from its response cache.</summary>
    public async Task<long> CountCacheHitsAsync(Guid tenantId, DateTimeOffset since)
    {
        const string sql = "select count(*) from chat_messages where tenant_id = @tenant_id and cached and created_at >= @since";
        await using var command = db.CreateCommand(sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("since", since);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Newest first, after <paramref name="after"/> in that order; optionally one conversation only.</summary>
    public async Task<IReadOnlyList<ChatMessageView>> ListAsync(Guid tenantId, Guid? conversationId, int limit, PageKey? after)
    {
        const string sql = $"""
            select {ViewColumns}
            from chat_messages
            where tenant_id = @tenant_id
              and (@conversation_id::uuid is null or conversation_id = @conversation_id)
              and (@after_at::timestamptz is null or (created_at, id) < (@after_at, @after_id))
            order by created_at desc, id desc
            limit @limit
            """;
        await using var command = db.CreateCommand(sql);
        var p = command.Parameters;
        p.AddWithValue("tenant_id", tenantId);
        p.Add(new NpgsqlParameter("conversation_id", NpgsqlDbType.Uuid) { Value = (object?)conversationId ?? DBNull.Value });
        p.Add(new NpgsqlParameter("after_at", NpgsqlDbType.TimestampTz) { Value = (object?)after?.At ?? DBNull.Value });
        p.Add(new NpgsqlParameter("after_id", NpgsqlDbType.Uuid) { Value = (object?)after?.Id ?? DBNull.Value });
        p.AddWithValue("limit", limit);
        return await ReadViewsAsync(command);
    }

    private static async Task<List<ChatMessageView>> ReadViewsAsync(NpgsqlCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync();
        var items = new List<ChatMessageView>();
        while (await reader.ReadAsync())
        {
            items.Add(new ChatMessageView(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5), new TokenUsage(reader.GetInt32(6), reader.GetInt32(7)),
                reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetBoolean(10)));
        }
        return items;
    }
}
