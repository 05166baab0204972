using System.Text.Json;
using Npgsql;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Alerts;

/// <summary>One event claimed for delivery, with the secret that signs it.</summary>
public sealed record class DueWebhook(Guid Id, string Url, string Body, int Attempts, string? Secret);

/// <summary>The <c>webhook_outbox</c> and <c>usage_alert_firings</c> tables.</summary>
public sealed class WebhookOutboxStore(TenantDatabase db)
{
    /// <summary>How long a claimed event is left to its claimer before another silo may try it (a claimer that died).</summary>
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Records that <paramref name="threshold"/> fired in the period and queues its event, in one statement: when the
    /// threshold had already fired (another activation, before a restart) nothing is queued. True when queued now.
    /// </summary>
    public async Task<bool> FireThresholdAsync(Guid tenantId, DateTimeOffset periodStart, int threshold, long tokensUsed, long tokenLimit,
        string url, DateTimeOffset now)
    {
        const string sql = """
            with fired as (
                insert into usage_alert_firings (tenant_id, period_start, threshold, fired_at)
                values (@tenant_id, @period_start, @threshold, @now)
                on conflict do nothing
                returning tenant_id
            )
            insert into webhook_outbox (id, tenant_id, event_type, url, body, next_attempt_at, created_at)
            select @id, tenant_id, 'usage.threshold', @url, @body, @now, @now from fired
            """;
        var id = Guid.CreateVersion7();
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = id,
            ["type"] = "usage.threshold",
            ["tenant_id"] = tenantId,
            ["threshold"] = threshold,
            ["tokens_used"] = tokensUsed,
            ["token_limit"] = tokenLimit,
            ["at"] = now,
        });
        await using var command = db.CreateCommand(tenantId, sql);
        var p = command.Parameters;
        p.AddWithValue("id", id);
        p.AddWithValue("tenant_id", tenantId);
        p.AddWithValue("period_start", periodStart);
        p.AddWithValue("threshold", threshold);
        p.AddWithValue("now", now);
        p.AddWithValue("url", url);
        p.AddWithValue("body", body);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>Queues <c>conversation.handoff</c> for a tenant with a webhook; false when the tenant has none.</summary>
    public async Task<bool> QueueHandoffAsync(Guid tenantId, Guid conversationId, DateTimeOffset at)
    {
        const string sql = """
            insert into webhook_outbox (id, tenant_id, event_type, url, body, next_attempt_at, created_at)
            select @id, id, 'conversation.handoff', alerts ->> 'webhook_url', @body, now(), now()
            from tenants where id = @tenant_id and alerts is not null
            """;
        var id = Guid.CreateVersion7();
        var body = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = id,
            ["type"] = "conversation.handoff",
            ["tenant_id"] = tenantId,
            ["conversation_id"] = conversationId,
            ["at"] = at,
        });
        await using var command = db.CreateCommand(tenantId, sql);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("body", body);
        return await command.ExecuteNonQueryAsync() == 1;
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> events due, skipping those another silo holds: each claimed event's next
    /// attempt moves a lease ahead and its attempt count up, so a silo that dies mid-delivery only delays it.
    /// </summary>
    public async Task<IReadOnlyList<DueWebhook>> ClaimDueAsync(int limit, TimeSpan giveUpAfter)
    {
        const string sql = """
            with due as (
                select id from webhook_outbox
                where delivered_at is null and next_attempt_at <= now() and created_at > now() - @give_up
                order by next_attempt_at
                limit @limit
                for update skip locked
            )
            update webhook_outbox o set attempts = o.attempts + 1, next_attempt_at = now() + @lease
            from due where o.id = due.id
            returning o.id, o.url, o.body, o.attempts, (select t.webhook_secret from tenants t where t.id = o.tenant_id)
            """;
        // The drainer serves every tenant's events: the connection's own role (tenantchat_app, across tenants).
        await using var command = db.CreateCrossTenantCommand(sql);
        command.Parameters.AddWithValue("give_up", giveUpAfter);
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue("lease", Lease);
        await using var reader = await command.ExecuteReaderAsync();
        var due = new List<DueWebhook>();
        while (await reader.ReadAsync())
        {
            due.Add(new DueWebhook(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return due;
    }

    /// <summary>Delivered (<paramref name="retryIn"/> null) or to be tried again after <paramref name="retryIn"/>.</summary>
    public async Task RecordAttemptAsync(Guid id, string status, TimeSpan? retryIn)
    {
        const string sql = """
            update webhook_outbox set last_status = @status,
                delivered_at = case when @retry_in::interval is null then now() end,
                next_attempt_at = case when @retry_in::interval is null then next_attempt_at else now() + @retry_in::interval end
            where id = @id
            """;
        await using var command = db.CreateCrossTenantCommand(sql);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("status", status);
        command.Parameters.Add(new NpgsqlParameter("retry_in", NpgsqlTypes.NpgsqlDbType.Interval) { Value = (object?)retryIn ?? DBNull.Value });
        await command.ExecuteNonQueryAsync();
    }
}
