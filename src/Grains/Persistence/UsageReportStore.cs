using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>
/// Sums over <c>chat_messages</c>, grouped by the database: no message is loaded to be counted. Messages erased by
/// retention count through <c>purged_message_usage</c>, their sums by UTC day and model.
/// </summary>
public sealed class UsageReportStore(TenantDatabase db)
{
    public async Task<decimal> CostSinceAsync(Guid tenantId, DateTimeOffset since)
    {
        const string sql = """
            select coalesce((select sum(cost_usd) from chat_messages where tenant_id = @tenant_id and created_at >= @since), 0)
                + coalesce((select sum(cost_usd) from purged_message_usage
                            where tenant_id = @tenant_id and day >= (@since at time zone 'UTC')::date), 0)
            """;
        await using var command = db.CreateCommand(tenantId, sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("since", since);
        return (decimal)(await command.ExecuteScalarAsync())!;
    }

    public async Task<IReadOnlyList<DailyUsage>> DailyAsync(Guid? tenantId, DateOnly from, DateOnly to)
    {
        const string sql = """
            select day, model, sum(calls)::bigint, sum(tokens)::bigint, sum(cost_usd)
            from (
                select (created_at at time zone 'UTC')::date as day, model, count(*) as calls, sum(total_tokens) as tokens,
                    coalesce(sum(cost_usd), 0) as cost_usd
                from chat_messages
                where (@tenant_id::uuid is null or tenant_id = @tenant_id) and created_at >= @from and created_at < @until
                group by day, model
                union all
                select day, model, calls, tokens, cost_usd
                from purged_message_usage
                where (@tenant_id::uuid is null or tenant_id = @tenant_id) and day >= @from_day and day <= @to_day
            ) kept
            group by day, model
            order by day, model
            """;
        // Without a tenant, the operator's rollup across tenants.
        await using var command = tenantId is { } id ? db.CreateCommand(id, sql) : db.CreateCrossTenantCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("tenant_id", NpgsqlDbType.Uuid) { Value = (object?)tenantId ?? DBNull.Value });
        command.Parameters.AddWithValue("from", StartOf(from));
        command.Parameters.AddWithValue("until", StartOf(to.AddDays(1)));
        command.Parameters.AddWithValue("from_day", from);
        command.Parameters.AddWithValue("to_day", to);
        await using var reader = await command.ExecuteReaderAsync();
        var days = new List<DailyUsage>();
        while (await reader.ReadAsync())
        {
            days.Add(new DailyUsage(reader.GetFieldValue<DateOnly>(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetDecimal(4)));
        }
        return days;
    }

    private static DateTimeOffset StartOf(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}
