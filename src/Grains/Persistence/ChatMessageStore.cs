using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Models;
using TenantChat.Grains.Usage;

namespace TenantChat.Grains.Persistence;

/// <summary>The <c>chat_messages</c> ledger: every stored exchange, and the tenant totals written with it.</summary>
public sealed class ChatMessageStore(NpgsqlDataSource db, ModelPricing pricing)
{
    private const string ViewColumns =
        "id, conversation_id, prompt, response, model, seed, prompt_tokens, completion_tokens, created_at, provider, cached";

    /// <summary>
    /// Stores the messages of any number of tenants and charges each tenant its share, in one statement (one round
    /// trip, one transaction), so every tenant's totals in <c>tenants</c> always equal the sum of its stored
    /// messages. A message whose id is already stored (a retried request that did commit) is skipped and not
    /// counted again. Totals are added to what the row holds, from zero when its period began before the month of
    /// <paramref name="createdAt"/>. Returns the ids stored now and the new totals of every tenant charged.
    /// </summary>
    public async Task<(HashSet<Guid> Stored, Dictionary<Guid, TenantUsage> Totals)> AppendAsync(
        IReadOnlyList<(Guid TenantId, StoredMessage Message)> messages, DateTimeOffset createdAt)
    {
        const string sql = """
            with inserted as (
                insert into chat_messages (id, tenant_id, conversation_id, prompt, response, model, seed,
                    prompt_tokens, completion_tokens, total_tokens, provider, cached, cost_usd, created_at)
                select m.id, m.tenant_id, m.conversation_id, m.prompt, m.response, m.model, m.seed,
                    m.prompt_tokens, m.completion_tokens, m.prompt_tokens + m.completion_tokens, m.provider, m.cached, m.cost_usd, @created_at
                from unnest(@ids, @tenant_ids, @conversation_ids, @prompts, @responses, @models, @seeds, @prompt_tokens, @completion_tokens,
                        @providers, @cached, @costs)
                    as m(id, tenant_id, conversation_id, prompt, response, model, seed, prompt_tokens, completion_tokens, provider, cached, cost_usd)
                on conflict (id) do nothing
                returning id, tenant_id, total_tokens
            ), charged as (
                select tenant_id, sum(total_tokens) as tokens, count(*) as calls from inserted group by tenant_id
            ), totals as (
                update tenants t set
                    tokens_used = case when t.period_start < @month_start then 0 else t.tokens_used end + c.tokens,
                    calls = case when t.period_start < @month_start then 0 else t.calls end + c.calls,
                    period_start = greatest(t.period_start, @month_start),
                    updated_at = @created_at
                from charged c
                where t.id = c.tenant_id
                returning t.id, t.tokens_used, t.calls, t.period_start
            )
            select id, null::bigint, null::bigint, null::timestamptz from inserted
            union all
            select id, tokens_used, calls, period_start from totals
            """;
        await using var command = db.CreateCommand(sql);
        var p = command.Parameters;
        p.AddWithValue("created_at", createdAt);
        p.AddWithValue("month_start", TenantUsage.MonthStart(createdAt));
        p.AddWithValue("ids", Column(messages, m => m.Message.Id));
        p.AddWithValue("tenant_ids", Column(messages, m => m.TenantId));
        p.AddWithValue("conversation_ids", Column(messages, m => m.Message.ConversationId));
        p.AddWithValue("prompts", Column(messages, m => m.Message.Prompt));
        p.AddWithValue("responses", Column(messages, m => m.Message.Response));
        p.AddWithValue("models", Column(messages, m => m.Message.Model));
        p.Add(new NpgsqlParameter("seeds", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = Column(messages, m => m.Message.Seed) });
        p.AddWithValue("prompt_tokens", Column(messages, m => m.Message.Usage.PromptTokens));
        p.AddWithValue("completion_tokens", Column(messages, m => m.Message.Usage.CompletionTokens));
        p.AddWithValue("providers", Column(messages, m => m.Message.Provider));
        p.AddWithValue("cached", Column(messages, m => m.Message.Cached));
        p.AddWithValue("costs", Column(messages, m => pricing.CostUsd(m.Message.Model, m.Message.Usage)));
        var stored = new HashSet<Guid>();
        var totals = new Dictionary<Guid, TenantUsage>();
        // Every row is read before returning: an error after the last row (the commit's) must not be missed.
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                if (reader.IsDBNull(1))
                {
                    stored.Add(reader.GetGuid(0));
                }
                else
                {
                    totals[reader.GetGuid(0)] = new TenantUsage(reader.GetInt64(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3));
                }
            }
        }
        catch (PostgresException)
        {
            db.DiscardPooledConnections();
            throw;
        }
        return (stored, totals);
    }

    private static T[] Column<T>(IReadOnlyList<(Guid TenantId, StoredMessage Message)> messages, Func<(Guid TenantId, StoredMessage Message), T> select)
    {
        var column = new T[messages.Count];
        for (var i = 0; i < column.Length; i++)
        {
            column[i] = select(messages[i]);
        }
        return column;
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
