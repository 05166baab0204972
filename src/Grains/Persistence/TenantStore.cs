using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>Reads and writes the <c>tenants</c> table. Only a tenant's own grain writes its row.</summary>
public sealed class TenantStore(TenantDatabase db)
{
    public async Task<TenantRecord?> FindAsync(Guid id, CancellationToken cancellationToken = default)
    {
        const string sql = $"select {TenantRow.Columns} from tenants where id = @id";
        await using var command = db.CreateCommand(id, sql);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? TenantRow.Read(reader) : null;
    }

    public async Task<Guid?> FindIdByDomainAsync(string domain)
    {
        const string sql = "select id from tenants where domain = @domain";
        // Which tenant a host names is asked before any tenant is known: across tenants.
        await using var command = db.CreateCrossTenantCommand(sql);
        command.Parameters.AddWithValue("domain", domain);
        return await command.ExecuteScalarAsync() is Guid id ? id : null;
    }

    public async Task<IReadOnlyList<TenantRecord>> ListAsync(int limit, Guid? after)
    {
        const string sql = $"""
            select {TenantRow.Columns} from tenants
            where @after::uuid is null or id > @after
            order by id
            limit @limit
            """;
        // The operator's list of tenants: across tenants.
        await using var command = db.CreateCrossTenantCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("after", NpgsqlDbType.Uuid) { Value = (object?)after ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<TenantRecord>();
        while (await reader.ReadAsync())
        {
            rows.Add(TenantRow.Read(reader));
        }
        return rows;
    }

    /// <summary>Inserts a new tenant and, in the same transaction, its first admin and its audit entry; false when its domain is taken.</summary>
    public async Task<bool> TryInsertAsync(TenantRecord tenant, AuditEntry audit, (AccountView Account, string PasswordHash)? admin = null,
        string? webhookSecret = null)
    {
        const string sql = """
            insert into tenants (id, name, domain, system_prompt, token_limit, model, seed, allowed_models,
                rate_limit_rpm, rate_limit_tpm, max_context_turns, max_output_tokens, status,
                provider, fallbacks, response_cache_seconds, persona, modules, handoff_phrase, max_system_tokens, knowledge, semantic_cache,
                alerts, webhook_secret, widget_origins, retention_days, tokens_used, calls, period_start, created_at, updated_at, settings_version)
            values (@id, @name, @domain, @system_prompt, @token_limit, @model, @seed, @allowed_models,
                @rate_limit_rpm, @rate_limit_tpm, @max_context_turns, @max_output_tokens, @status,
                @provider, @fallbacks, @response_cache_seconds, @persona, @modules, @handoff_phrase, @max_system_tokens, @knowledge, @semantic_cache,
                @alerts, @webhook_secret, @widget_origins, @retention_days, @tokens_used, @calls, @period_start, @created_at, @created_at, @version)
            on conflict (domain) do nothing
            """;
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await db.BeginAsync(connection, tenant.Id);
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        TenantRow.AddSettings(command, tenant.Id, tenant.Settings, tenant.Version, webhookSecret);
        command.Parameters.AddWithValue("tokens_used", tenant.Usage.TokensUsed);
        command.Parameters.AddWithValue("calls", tenant.Usage.Calls);
        command.Parameters.AddWithValue("period_start", tenant.Usage.PeriodStart);
        command.Parameters.AddWithValue("created_at", tenant.CreatedAt);
        if (await command.ExecuteNonQueryAsync() != 1)
        {
            return false;
        }
        if (admin is var (account, passwordHash))
        {
            await using var insertAdmin = new NpgsqlCommand(AccountStore.InsertSql, connection, transaction);
            AccountStore.AddInsertParameters(insertAdmin.Parameters, account, passwordHash);
            await insertAdmin.ExecuteNonQueryAsync();
        }
        await AuditLog.AppendAsync(connection, transaction, audit);
        await transaction.CommitAsync();
        return true;
    }

    /// <summary>Replaces a tenant's settings and appends their audit entry; false when the new domain belongs to another tenant.</summary>
    /// <remarks>A new <paramref name="webhookSecret"/> replaces the stored one; null keeps it, unless the alerts are removed.</remarks>
    public async Task<bool> TryUpdateSettingsAsync(Guid id, TenantSettings settings, int version, AuditEntry audit, string? webhookSecret = null)
    {
        const string sql = """
            update tenants set name = @name, domain = @domain, system_prompt = @system_prompt,
                token_limit = @token_limit, model = @model, seed = @seed, allowed_models = @allowed_models,
                rate_limit_rpm = @rate_limit_rpm, rate_limit_tpm = @rate_limit_tpm,
                max_context_turns = @max_context_turns, max_output_tokens = @max_output_tokens,
                status = @status, provider = @provider, fallbacks = @fallbacks,
                response_cache_seconds = @response_cache_seconds, persona = @persona, modules = @modules,
                handoff_phrase = @handoff_phrase, max_system_tokens = @max_system_tokens,
                knowledge = @knowledge, semantic_cache = @semantic_cache, alerts = @alerts,
                webhook_secret = case when @alerts::jsonb is null then null else coalesce(@webhook_secret, webhook_secret) end,
                widget_origins = @widget_origins, retention_days = @retention_days, settings_version = @version, updated_at = now()
            where id = @id
            """;
        try
        {
            return await AuditLog.InTransactionAsync(db, id, async (connection, transaction) =>
            {
                await using var command = new NpgsqlCommand(sql, connection, transaction);
                TenantRow.AddSettings(command, id, settings, version, webhookSecret);
                return await command.ExecuteNonQueryAsync() == 1;
            }, updated => updated ? audit : null);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            db.DiscardPooledConnections();
            return false;
        }
    }

    public async Task<TenantUsage> ReadUsageAsync(Guid id)
    {
        const string sql = "select tokens_used, calls, period_start from tenants where id = @id";
        await using var command = db.CreateCommand(id, sql);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            throw new InvalidOperationException($"Tenant {id} has no row.");
        }
        return new TenantUsage(reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2));
    }

    /// <summary>Writes the usage totals, with the audit entry of the change when one is given (a reset).</summary>
    public async Task WriteUsageAsync(Guid id, TenantUsage usage, AuditEntry? audit = null)
    {
        const string sql = """
            update tenants set tokens_used = @tokens_used, calls = @calls, period_start = @period_start,
                updated_at = now()
            where id = @id
            """;
        await AuditLog.InTransactionAsync(db, id, async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            command.Parameters.AddWithValue("id", id);
            command.Parameters.AddWithValue("tokens_used", usage.TokensUsed);
            command.Parameters.AddWithValue("calls", usage.Calls);
            command.Parameters.AddWithValue("period_start", usage.PeriodStart);
            return await command.ExecuteNonQueryAsync();
        }, _ => audit);
    }
}
