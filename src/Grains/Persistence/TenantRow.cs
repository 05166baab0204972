using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>
/// One <c>tenants</c> row and <see cref="TenantRecord"/>, both ways: the columns read (in the order
/// <see cref="Read"/> expects) and the parameters a settings write binds. <see cref="TenantStore"/> runs the statements.
/// </summary>
internal static class TenantRow
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

    public const string Columns = """
        id, name, domain, system_prompt, token_limit, model, seed, allowed_models, rate_limit_rpm, rate_limit_tpm,
        max_context_turns, max_output_tokens, status, tokens_used, calls, period_start, created_at, settings_version,
        provider, fallbacks, response_cache_seconds, persona, modules, handoff_phrase, max_system_tokens, knowledge::text, semantic_cache::text,
        alerts, widget_origins, retention_days
        """;

    public static void AddSettings(NpgsqlCommand command, Guid id, TenantSettings settings, int version, string? webhookSecret)
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

    public static TenantRecord Read(NpgsqlDataReader r)
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
            WidgetOrigins = [.. r.GetFieldValue<string[]>(28)],
            RetentionDays = r.IsDBNull(29) ? null : r.GetInt32(29),
        };
        var usage = new TenantUsage(r.GetInt64(13), r.GetInt64(14), r.GetFieldValue<DateTimeOffset>(15));
        return new TenantRecord(r.GetGuid(0), settings, usage, r.GetFieldValue<DateTimeOffset>(16), r.GetInt32(17));
    }
}
