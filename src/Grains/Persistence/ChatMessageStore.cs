using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Models;
using TenantChat.Grains.Usage;
using TenantChat.Grains.Tenants;

namespace TenantChat.Grains.Persistence;

/// <summary>
/// The <c>chat_messages</c> ledger: every stored exchange, and the tenant totals written with it. Writes go through
/// <paramref name="ledger"/>'s connections when given (the silo always gives them), on the connection's own role;
/// reads are tenant-scoped through <paramref name="db"/>.
/// </summary>
public sealed class ChatMessageStore(TenantDatabase db, ModelPricing pricing, LedgerDataSource? ledger = null)
{
    private readonly NpgsqlDataSource _writes = ledger?.Source ?? db.Unscoped;

    private const string ViewColumns =
        "id, conversation_id, prompt, response, model, seed, prompt_tokens, completion_tokens, created_at, provider, cached, handoff, erased_at is not null, sources::text";

    /// <summary>
    /// Stores the messages of any number of tenants and charges each tenant its share, in one statement (one round
    /// trip, one transaction), so every tenant's totals in <c>tenants</c> always equal the sum of its stored
    /// messages. A message whose id is already stored (a retried request that did commit) is skipped and not
    /// counted again. Each message's conversation row is created or counted in the same statement. Totals are added to what the row holds, from zero when its period began before the month of
    /// <paramref name="createdAt"/>. Returns the ids stored now and the new totals of every tenant charged.
    /// With <paramref name="lockInOrder"/> (when one tenant may have two writes in flight), a write of several
    /// tenants first locks those tenants' rows in the order of their ids: two of them in flight with tenants in
    /// common then wait for each other in one order, never each for the other (a deadlock).
    /// </summary>
    public async Task<(HashSet<Guid> Stored, Dictionary<Guid, TenantUsage> Totals)> AppendAsync(
        IReadOnlyList<(Guid TenantId, StoredMessage Message)> messages, DateTimeOffset createdAt, bool lockInOrder = false)
    {
        const string sql = """
            with batch as (
                select * from unnest(@ids, @tenant_ids, @conversation_ids, @prompts, @responses, @models, @seeds, @prompt_tokens,
                        @completion_tokens, @providers, @cached, @handoffs, @channels, @starts, @sources, @tokens_saved, @costs)
                    as m(id, tenant_id, conversation_id, prompt, response, model, seed, prompt_tokens, completion_tokens, provider,
                        cached, handoff, channel, starts, sources, tokens_saved, cost_usd)
            ), checked as (
                -- A call answered while its conversation was erased is stored without its text, and revives nothing.
                select b.*, not (b.starts or exists (
                    select 1 from conversations c where c.id = b.conversation_id and c.tenant_id = b.tenant_id)) as orphan
                from batch b
            ), inserted as (
                insert into chat_messages (id, tenant_id, conversation_id, prompt, response, model, seed,
                    prompt_tokens, completion_tokens, total_tokens, provider, cached, handoff, erased_at, sources, tokens_saved,
                    cost_usd, created_at)
                select m.id, m.tenant_id, m.conversation_id, case when m.orphan then '' else m.prompt end,
                    case when m.orphan then '' else m.response end, m.model, m.seed, m.prompt_tokens, m.completion_tokens,
                    m.prompt_tokens + m.completion_tokens, m.provider, m.cached, m.handoff,
                    case when m.orphan then @created_at end, m.sources, m.tokens_saved, m.cost_usd, @created_at
                from checked m
                on conflict (id) do nothing
                returning id, tenant_id, total_tokens, erased_at is null as live
            ), conversation_rows as (
                -- Each conversation once per statement: created with its first message, then counted and touched.
                -- A handoff flags it for a person; a new message reopens a closed one.
                insert into conversations (id, tenant_id, status, channel, created_at, last_message_at, message_count)
                select b.conversation_id, b.tenant_id, case when bool_or(b.handoff) then 'needs_human' else 'open' end, min(b.channel),
                    @created_at, @created_at, sum(case when b.response = '' then 1 else 2 end)
                from inserted i join batch b on b.id = i.id
                where i.live
                group by b.conversation_id, b.tenant_id
                on conflict (id) do update set
                    last_message_at = excluded.last_message_at,
                    message_count = conversations.message_count + excluded.message_count,
                    status = case when excluded.status = 'needs_human' then 'needs_human'
                        when conversations.status = 'closed' then 'open' else conversations.status end
                where conversations.tenant_id = excluded.tenant_id
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
        const string lockRowsInOrder = "select id from tenants where id = any(@tenant_ids) order by id for no key update";
        // Many tenants in one statement: the connection's own role, tenantchat_app, across tenants (docs/behaviour.md,
        // "Row-level security").
        await using var batch = _writes.CreateBatch();
        var tenantIds = messages.Select(m => m.TenantId).Distinct().ToArray();
        var locking = lockInOrder && tenantIds.Length > 1;
        if (locking)
        {
            var lockRows = new NpgsqlBatchCommand(lockRowsInOrder);
            lockRows.Parameters.AddWithValue("tenant_ids", tenantIds);
            batch.BatchCommands.Add(lockRows);
        }
        var command = new NpgsqlBatchCommand(sql);
        batch.BatchCommands.Add(command);
        var p = command.Parameters;
        p.AddWithValue("created_at", createdAt);
        p.AddWithValue("month_start", BudgetPeriod.MonthStart(createdAt));
        p.AddWithValue("ids", Column(messages, m => m.Message.Id));
        p.AddWithValue("tenant_ids", Column(messages, m => m.TenantId));
        p.AddWithValue("conversation_ids", Column(messages, m => m.Message.ConversationId));
        p.AddWithValue("prompts", Column(messages, m => m.Message.Prompt));
        p.AddWithValue("responses", Column(messages, m => m.Message.Response));
        p.AddWithValue("models", Column(messages, m => m.Message.Model));
        p.Add(new NpgsqlParameter("seeds", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = Column(messages, m => m.Message.Seed) });
        p.AddWithValue("prompt_tokens", Column(messages, m => m.Message.Usage.PromptTokens));
        p.AddWithValue("completion_tokens", Column(messages, m => m.Message.Usage.CompletionTokens));
        p.Add(new NpgsqlParameter("providers", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = Column(messages, m => m.Message.Upstream) });
        p.AddWithValue("cached", Column(messages, m => m.Message.Cached));
        p.AddWithValue("handoffs", Column(messages, m => m.Message.Handoff));
        p.AddWithValue("costs", Column(messages, m => pricing.CostUsd(m.Message.Model, m.Message.Usage)));
        p.AddWithValue("channels", Column(messages, m => ConversationNames.Of(m.Message.Channel)));
        p.AddWithValue("starts", Column(messages, m => m.Message.StartsConversation));
        p.Add(new NpgsqlParameter("sources", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = Column(messages, m => SourcesJson.Write(m.Message.Sources)) });
        p.AddWithValue("tokens_saved", Column(messages, m => m.Message.TokensSaved));
        var stored = new HashSet<Guid>();
        var totals = new Dictionary<Guid, TenantUsage>();
        // The statements run in one implicit transaction. Every result is read to its end before returning: an error
        // after the last row (the commit's) must not be missed.
        try
        {
            await using var reader = await batch.ExecuteReaderAsync();
            if (locking)
            {
                await reader.NextResultAsync();
            }
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
            // There is no further result: this reads on to the end of the batch, where a failed commit would show.
            await reader.NextResultAsync();
        }
        catch (PostgresException)
        {
            _writes.DiscardPooledConnections();
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
        await using var command = db.CreateCommand(tenantId, sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("id", id);
        return (await ReadViewsAsync(await command.ExecuteReaderAsync())).FirstOrDefault();
    }

    /// <summary>How many of this tenant's answers since <paramref name="since"/> came from its caches, and the tokens they saved.</summary>
    public async Task<CacheSavings> CountCacheHitsAsync(Guid tenantId, DateTimeOffset since)
    {
        // Hits whose messages retention erased count through purged_message_usage, by UTC day.
        const string sql = """
            select (select count(*) from chat_messages where tenant_id = @tenant_id and cached and created_at >= @since)
                    + coalesce((select sum(cache_hits) from purged_message_usage
                                where tenant_id = @tenant_id and day >= (@since at time zone 'UTC')::date), 0)::bigint,
                coalesce((select sum(tokens_saved) from chat_messages where tenant_id = @tenant_id and cached and created_at >= @since), 0)::bigint
                    + coalesce((select sum(tokens_saved) from purged_message_usage
                                where tenant_id = @tenant_id and day >= (@since at time zone 'UTC')::date), 0)::bigint
            """;
        await using var command = db.CreateCommand(tenantId, sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("since", since);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new CacheSavings(reader.GetInt64(0), reader.GetInt64(1));
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
        await using var command = db.CreateCommand(tenantId, sql);
        var p = command.Parameters;
        p.AddWithValue("tenant_id", tenantId);
        p.Add(new NpgsqlParameter("conversation_id", NpgsqlDbType.Uuid) { Value = (object?)conversationId ?? DBNull.Value });
        p.AddAfter(after);
        p.AddWithValue("limit", limit);
        return await ReadViewsAsync(await command.ExecuteReaderAsync());
    }

    private static async Task<List<ChatMessageView>> ReadViewsAsync(NpgsqlDataReader reader)
    {
        await using var _ = reader;
        var items = new List<ChatMessageView>();
        while (await reader.ReadAsync())
        {
            items.Add(new ChatMessageView(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetInt32(5), new TokenUsage(reader.GetInt32(6), reader.GetInt32(7)),
                reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetBoolean(10),
                reader.GetBoolean(11), reader.GetBoolean(12))
            {
                Sources = SourcesJson.Read(reader.GetString(13)),
            });
        }
        return items;
    }
}
