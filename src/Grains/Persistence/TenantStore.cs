using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>Reads and writes the <c>tenants</c> table. Only a tenant's own grain writes its row.</summary>
public sealed class TenantStore(TenantDatabase db)
{
    /// <summary>
    /// JSON settings columns in snake case: fallback routes as <c>[{"provider": "...", "model": "..."}]</c> (model left
    /// out when unset), <c>knowledge</c> and <c>semantic_cache</c> as their contract objects.
    /// </summary>
    private static readonly JsonSerializerOptions SettingsJson = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Persona and modules are stored as JSON in the API's own shape: snake_case names, tones in lower case.</summary>
    private static readonly JsonSerializerOptions AssistantJson = new(SettingsJson)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private const string Columns = """
        id, name, domain, system_prompt, token_limit, model, seed, allowed_models, rate_limit_rpm, rate_limit_tpm,
        max_context_turns, max_output_tokens, status, tokens_used, calls, period_start, created_at, settings_version,
        provider, fallbacks, response_cache_seconds, persona, modules, handoff_phrase, max_system_tokens, knowledge::text, semantic_cache::text,
        alerts, widget_origins, retention_days
        """;

    public async Task<TenantRecord?> FindAsync(Guid id, CancellationToken cancellationToken = default)
    {
        const string sql = $"select {Columns} from tenants where id = @id";
        await using var command = db.CreateCommand(id, sql);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
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
            select {Columns} from tenants
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
            rows.Add(Read(reader));
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
        AddSettings(command, tenant.Id, tenant.Settings, tenant.Version, webhookSecret);
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
                AddSettings(command, id, settings, version, webhookSecret);
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

    private static void AddSettings(NpgsqlCommand command, Guid id, TenantSettings settings, int version, string? webhookSecret)
    {
        var p = command.Parameters;
        p.AddWithValue("id", id);
        p.AddWithValue("name", settings.Name);
        p.AddWithValue("domain", settings.Domain);
        p.AddWithValue("system_prompt", settings.SystemPrompt);
        p.AddWithValue("token_limit", settings.TokenLimit);
        p.AddWithValue("model", settings.Model);
        p.Add(new NpgsqlParameter("seed", NpgsqlDbType.Integer) { Value = (object?)settings.Seed ?? DBNull.Value });
        p.AddWithValue("allowed_models", settings.AllowedModels.ToArray());
        p.Add(new NpgsqlParameter("rate_limit_rpm", NpgsqlDbType.Integer) { Value = (object?)settings.RateLimitRpm ?? DBNull.Value });
        p.Add(new NpgsqlParameter("rate_limit_tpm", NpgsqlDbType.Integer) { Value = (object?)settings.RateLimitTpm ?? DBNull.Value });
        p.AddWithValue("max_context_turns", settings.MaxContextTurns);
        p.AddWithValue("max_output_tokens", settings.MaxOutputTokens);
        p.AddWithValue("status", settings.Status == TenantStatus.Suspended ? "suspended" : "active");
        p.AddWithValue("provider", settings.Upstream);
        p.Add(new NpgsqlParameter("fallbacks", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(settings.Fallbacks, SettingsJson) });
        p.AddWithValue("response_cache_seconds", settings.ResponseCacheSeconds);
        p.Add(new NpgsqlParameter("persona", NpgsqlDbType.Jsonb)
        {
            Value = settings.Persona is { } persona ? JsonSerializer.Serialize(persona, AssistantJson) : DBNull.Value,
        });
        p.Add(new NpgsqlParameter("modules", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(settings.Modules, AssistantJson) });
        p.Add(new NpgsqlParameter("handoff_phrase", NpgsqlDbType.Text) { Value = (object?)settings.HandoffPhrase ?? DBNull.Value });
        p.AddWithValue("max_system_tokens", settings.MaxSystemTokens);
        p.Add(new NpgsqlParameter("knowledge", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(settings.Knowledge, SettingsJson) });
        p.Add(new NpgsqlParameter("semantic_cache", NpgsqlDbType.Jsonb) { Value = JsonSerializer.Serialize(settings.SemanticCache, SettingsJson) });
        p.Add(new NpgsqlParameter("alerts", NpgsqlDbType.Jsonb)
        {
            Value = settings.Alerts is { } alerts ? JsonSerializer.Serialize(alerts, SettingsJson) : DBNull.Value,
        });
        p.Add(new NpgsqlParameter("webhook_secret", NpgsqlDbType.Text) { Value = (object?)webhookSecret ?? DBNull.Value });
        p.AddWithValue("widget_origins", settings.WidgetOrigins.ToArray());
        p.Add(new NpgsqlParameter("retention_days", NpgsqlDbType.Integer) { Value = (object?)settings.RetentionDays ?? DBNull.Value });
        p.AddWithValue("version", version);
    }

    private static TenantRecord Read(NpgsqlDataReader r)
    {
        var settings = new TenantSettings
        {
            Name = r.GetString(1),
            Domain = r.GetString(2),
            SystemPrompt = r.GetString(3),
            TokenLimit = r.GetInt64(4),
            Model = r.GetString(5),
            Seed = r.IsDBNull(6) ? null : r.GetInt32(6),
            AllowedModels = [.. r.GetFieldValue<string[]>(7)],
            RateLimitRpm = r.IsDBNull(8) ? null : r.GetInt32(8),
            RateLimitTpm = r.IsDBNull(9) ? null : r.GetInt32(9),
            MaxContextTurns = r.GetInt32(10),
            MaxOutputTokens = r.GetInt32(11),
            Status = r.GetString(12) == "suspended" ? TenantStatus.Suspended : TenantStatus.Active,
            Upstream = r.GetString(18),
            Fallbacks = JsonSerializer.Deserialize<ImmutableArray<UpstreamRoute>>(r.GetString(19), SettingsJson),
            ResponseCacheSeconds = r.GetInt32(20),
            Persona = r.IsDBNull(21) ? null : JsonSerializer.Deserialize<Persona>(r.GetString(21), AssistantJson),
            Modules = JsonSerializer.Deserialize<ImmutableArray<CapabilityModule>>(r.GetString(22), AssistantJson),
            HandoffPhrase = r.IsDBNull(23) ? null : r.GetString(23),
            MaxSystemTokens = r.GetInt32(24),
            Knowledge = JsonSerializer.Deserialize<KnowledgeSettings>(r.GetString(25), SettingsJson) ?? KnowledgeSettings.Default,
            SemanticCache = JsonSerializer.Deserialize<SemanticCacheSettings>(r.GetString(26), SettingsJson) ?? SemanticCacheSettings.Default,
            Alerts = r.IsDBNull(27) ? null : JsonSerializer.Deserialize<AlertSettings>(r.GetString(27), SettingsJson),
            WidgetOrigins = [.. r.GetFieldValue<string[]>(r.GetOrdinal("widget_origins"))],
            RetentionDays = r.IsDBNull(r.GetOrdinal("retention_days")) ? null : r.GetInt32(r.GetOrdinal("retention_days")),
        };
        var usage = new TenantUsage(r.GetInt64(13), r.GetInt64(14), r.GetFieldValue<DateTimeOffset>(15));
        return new TenantRecord(r.GetGuid(0), settings, usage, r.GetFieldValue<DateTimeOffset>(16), r.GetInt32(17));
    }
}
