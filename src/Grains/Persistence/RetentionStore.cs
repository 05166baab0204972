namespace TenantChat.Grains.Persistence;

/// <summary>
/// Erases one tenant's messages and agent replies older than a cutoff, a small batch per statement. Each statement is
/// its own short transaction that locks only the rows it deletes (taken oldest first through the tenant's
/// <c>(tenant_id, created_at)</c> indexes, skipping rows another transaction holds), so chat writes and other tenants
/// never wait long behind a purge. Each statement runs scoped to its tenant (<see cref="TenantDatabase"/>): under
/// row-level security it could not touch another tenant's rows even without its own filters.
/// </summary>
public sealed class RetentionStore(TenantDatabase db)
{
    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> of the tenant's oldest messages created before
    /// <paramref name="cutoff"/>. In the same statement their charge and cost are folded into
    /// <c>purged_message_usage</c> (so usage and cost reports keep them) and their conversations' message counts
    /// go down. Returns how many were deleted.
    /// </summary>
    public async Task<int> PurgeMessagesAsync(Guid tenantId, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        const string sql = """
            with doomed as (
                select id from chat_messages
                where tenant_id = @tenant_id and created_at < @cutoff
                order by created_at, id
                limit @batch_size
                for update skip locked
            ), gone as (
                delete from chat_messages m
                using doomed d
                where m.id = d.id and m.tenant_id = @tenant_id
                returning m.conversation_id, m.created_at, m.model, m.total_tokens, m.cost_usd, m.cached, m.tokens_saved,
                    m.response, m.erased_at
            ), kept_usage as (
                insert into purged_message_usage as p (tenant_id, day, model, calls, tokens, cost_usd, cache_hits, tokens_saved)
                select @tenant_id, (created_at at time zone 'UTC')::date, model, count(*), sum(total_tokens),
                    coalesce(sum(cost_usd), 0), count(*) filter (where cached), coalesce(sum(tokens_saved) filter (where cached), 0)
                from gone
                group by 2, 3
                on conflict (tenant_id, day, model) do update set
                    calls = p.calls + excluded.calls,
                    tokens = p.tokens + excluded.tokens,
                    cost_usd = p.cost_usd + excluded.cost_usd,
                    cache_hits = p.cache_hits + excluded.cache_hits,
                    tokens_saved = p.tokens_saved + excluded.tokens_saved
            ), recounted as (
                -- A message counts a prompt, and an answer when it has one; erased ones were no longer counted.
                update conversations c set message_count = greatest(c.message_count - g.messages, 0)
                from (select conversation_id, sum(case when response = '' then 1 else 2 end) as messages
                      from gone where erased_at is null group by conversation_id) g
                where c.tenant_id = @tenant_id and c.id = g.conversation_id
            )
            select count(*)::int from gone
            """;
        return await PurgeAsync(sql, tenantId, cutoff, batchSize, cancellationToken);
    }

    /// <summary>Deletes up to <paramref name="batchSize"/> of the tenant's agent replies created before <paramref name="cutoff"/>.</summary>
    public async Task<int> PurgeRepliesAsync(Guid tenantId, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        const string sql = """
            with doomed as (
                select id from agent_replies
                where tenant_id = @tenant_id and created_at < @cutoff
                order by created_at, id
                limit @batch_size
                for update skip locked
            ), gone as (
                delete from agent_replies r
                using doomed d
                where r.id = d.id and r.tenant_id = @tenant_id
                returning r.conversation_id
            ), recounted as (
                update conversations c set message_count = greatest(c.message_count - g.replies, 0)
                from (select conversation_id, count(*) as replies from gone group by conversation_id) g
                where c.tenant_id = @tenant_id and c.id = g.conversation_id
            )
            select count(*)::int from gone
            """;
        return await PurgeAsync(sql, tenantId, cutoff, batchSize, cancellationToken);
    }

    private async Task<int> PurgeAsync(string sql, Guid tenantId, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(tenantId, sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("cutoff", cutoff);
        command.Parameters.AddWithValue("batch_size", batchSize);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
