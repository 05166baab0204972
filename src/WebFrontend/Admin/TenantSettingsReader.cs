using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Apis;
using TenantChat.WebFrontend.Governance;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Admin;

/// <summary>
/// Reads the operator's tenant JSON field by field onto a starting point (defaults for a new tenant, the current
/// settings for a PATCH), collecting every problem so one response can name them all. Unknown fields are refused,
/// so a misspelt field cannot silently do nothing.
/// </summary>
public sealed partial class TenantSettingsReader
{
    public const int MaxSystemPromptChars = 16_000;
    public const int MaxFallbacks = 5;
    public const int MaxResponseCacheSeconds = 30 * 24 * 3600;

    /// <summary>Ten years: a longer retention is the same as keeping everything (null).</summary>
    public const int MaxRetentionDays = 3650;

    /// <summary>What the platform operator may set when creating a tenant (the admin account fields are read elsewhere).</summary>
    public static readonly IReadOnlySet<string> OperatorCreateFields = new HashSet<string>
    {
        "name", "domain", "system_prompt", "token_limit", "model", "seed", "allowed_models", "rate_limit_rpm",
        "rate_limit_tpm", "max_context_turns", "max_output_tokens", "provider", "fallbacks", "response_cache_seconds",
        "persona", "modules", "handoff_phrase", "max_system_tokens", "knowledge", "semantic_cache", "alerts", "widget_origins", "retention_days", "admin_email",
        "admin_password",
    };

    /// <summary>What the platform operator may change later.</summary>
    public static readonly IReadOnlySet<string> OperatorPatchFields = new HashSet<string>(OperatorCreateFields.Except(["admin_email", "admin_password"])) { "status" };

    /// <summary>What a tenant's own admin may change: the chat settings, not the budget, limits, domain or status.</summary>
    public static readonly IReadOnlySet<string> TenantAdminFields = new HashSet<string>
    {
        "system_prompt", "model", "seed", "allowed_models", "max_context_turns", "max_output_tokens", "provider", "fallbacks",
        "response_cache_seconds", "persona", "modules", "handoff_phrase", "max_system_tokens", "knowledge", "semantic_cache", "alerts",
        "widget_origins", "retention_days",
    };

    private readonly Dictionary<string, string[]> _errors = [];

    public IDictionary<string, string[]> Errors => _errors;

    /// <summary>Settings for a new tenant, or null with <see cref="Errors"/> filled.</summary>
    public TenantSettings? ReadNew(JsonObject body)
    {
        foreach (var required in new[] { "name", "domain", "token_limit", "model" })
        {
            if (!body.ContainsKey(required))
            {
                _errors[required] = [$"{required} is required."];
            }
        }
        var start = new TenantSettings { Name = "", Domain = "", SystemPrompt = "", TokenLimit = 0, Model = "", AllowedModels = [] };
        return ReadChanges(body, start, OperatorCreateFields);
    }

    /// <summary>
    /// <paramref name="current"/> with the fields of <paramref name="body"/> applied, or null with <see cref="Errors"/>
    /// filled. A field outside <paramref name="writable"/> is refused.
    /// </summary>
    public TenantSettings? ReadChanges(JsonObject body, TenantSettings current, IReadOnlySet<string> writable)
    {
        var settings = current;
        foreach (var (field, node) in body)
        {
            if (!writable.Contains(field))
            {
                _errors[field] = [OperatorPatchFields.Contains(field) || field == "id"
                    ? $"{field} cannot be changed here."
                    : $"{field} is not a field of a tenant."];
                continue;
            }
            settings = field switch
            {
                "name" => Text(field, node, 1, 200) is { } name ? settings with { Name = name.Trim() } : settings,
                "domain" => Domain(node) is { } domain ? settings with { Domain = domain } : settings,
                "system_prompt" => Text(field, node, 0, MaxSystemPromptChars) is { } prompt ? settings with { SystemPrompt = prompt } : settings,
                "token_limit" => Integer(field, node, 0, long.MaxValue, nullable: false) is { } limit ? settings with { TokenLimit = limit } : settings,
                "model" => Text(field, node, 1, 200) is { } model ? settings with { Model = model } : settings,
                "seed" => Nullable(field, node, int.MinValue, int.MaxValue, out var seed) ? settings with { Seed = (int?)seed } : settings,
                "allowed_models" => Models(node) is { } models ? settings with { AllowedModels = models } : settings,
                "rate_limit_rpm" => Nullable(field, node, 1, int.MaxValue, out var rpm) ? settings with { RateLimitRpm = (int?)rpm } : settings,
                "rate_limit_tpm" => Nullable(field, node, 1, int.MaxValue, out var tpm) ? settings with { RateLimitTpm = (int?)tpm } : settings,
                "max_context_turns" => Integer(field, node, 0, 100, nullable: false) is { } turns ? settings with { MaxContextTurns = (int)turns } : settings,
                "max_output_tokens" => Integer(field, node, 1, 1_000_000, nullable: false) is { } output ? settings with { MaxOutputTokens = (int)output } : settings,
                "status" => Status(node) is { } status ? settings with { Status = status } : settings,
                "provider" => UpstreamName(field, node) is { } upstream ? settings with { Upstream = upstream } : settings,
                "fallbacks" => Fallbacks(node) is { } fallbacks ? settings with { Fallbacks = fallbacks } : settings,
                "response_cache_seconds" => Integer(field, node, 0, MaxResponseCacheSeconds, nullable: false) is { } seconds
                    ? settings with { ResponseCacheSeconds = (int)seconds } : settings,
                "retention_days" => Nullable(field, node, 1, MaxRetentionDays, out var days) ? settings with { RetentionDays = (int?)days } : settings,
                "widget_origins" => WidgetOrigins(node) is { } origins ? settings with { WidgetOrigins = origins } : settings,
                "alerts" => AlertsInput.TryRead(node, _errors, out var alerts) ? settings with { Alerts = alerts } : settings,
                "persona" => ReadPersona(node, out var persona) ? settings with { Persona = persona } : settings,
                "modules" => ReadModules(node) is { } modules ? settings with { Modules = modules } : settings,
                "handoff_phrase" => ReadHandoffPhrase(node, out var phrase) ? settings with { HandoffPhrase = phrase } : settings,
                "max_system_tokens" => Integer(field, node, 1, MaxSystemTokens, nullable: false) is { } budget
                    ? settings with { MaxSystemTokens = (int)budget } : settings,
                "knowledge" => KnowledgeSettingsReader.Knowledge(node, settings.Knowledge, _errors) is { } knowledge
                    ? settings with { Knowledge = knowledge } : settings,
                "semantic_cache" => KnowledgeSettingsReader.SemanticCache(node, settings.SemanticCache, _errors) is { } cache
                    ? settings with { SemanticCache = cache } : settings,
                _ => settings, // admin account fields are read by the accounts feature, not here
            };
        }
        if (settings.AllowedModels.IsEmpty && settings.Model.Length > 0)
        {
            settings = settings with { AllowedModels = [settings.Model] };
        }
        if (settings.Model.Length > 0 && !settings.AllowedModels.Contains(settings.Model) && !_errors.ContainsKey("model"))
        {
            _errors["model"] = ["model must be one of allowed_models."];
        }
        return _errors.Count == 0 ? settings : null;
    }

    private string? Text(string field, JsonNode? node, int min, int max)
    {
        if (node?.GetValueKind() != JsonValueKind.String)
        {
            _errors[field] = [$"{field} must be a string."];
            return null;
        }
        var value = node.GetValue<string>();
        if (StoredText.HasNul(value))
        {
            _errors[field] = [field + " " + StoredText.NulProblem];
            return null;
        }
        var length = value.Trim().EnumerateRunes().Count();
        if (length < min || value.EnumerateRunes().Count() > max)
        {
            _errors[field] = [min > 0 ? $"{field} must be {min} to {max} characters." : $"{field} must be at most {max} characters."];
            return null;
        }
        return value;
    }

    private long? Integer(string field, JsonNode? node, long min, long max, bool nullable)
    {
        if (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<long>(out var number)
            && number >= min && number <= max)
        {
            return number;
        }
        _errors[field] = [$"{field} must be an integer from {min} to {max}{(nullable ? ", or null" : "")}."];
        return null;
    }

    /// <summary>True when the field was read: a number in range, or null meaning "none".</summary>
    private bool Nullable(string field, JsonNode? node, long min, long max, out long? value)
    {
        value = null;
        if (node is null)
        {
            return true;
        }
        value = Integer(field, node, min, max, nullable: true);
        return value is not null;
    }

    private string? Domain(JsonNode? node)
    {
        if (Text("domain", node, 1, 253) is not { } raw)
        {
            return null;
        }
        if (!HostNames.TryNormalize(raw, out var domain))
        {
            _errors["domain"] = ["domain must be a plain host name (no scheme, port, path or wildcard)."];
            return null;
        }
        return domain;
    }

    private ImmutableArray<string>? Models(JsonNode? node)
    {
        if (node is JsonArray array && array.Count is > 0 and <= 50
            && array.All(item => item?.GetValueKind() == JsonValueKind.String && item.GetValue<string>().Trim().Length is > 0 and <= 200
                && !StoredText.HasNul(item.GetValue<string>())))
        {
            return [.. array.Select(item => item!.GetValue<string>()).Distinct(StringComparer.Ordinal)];
        }
        _errors["allowed_models"] = ["allowed_models must be a list of 1 to 50 model names."];
        return null;
    }

    /// <summary>The name of an upstream the operator configured; whether it exists is the silo's to say.</summary>
    private string? UpstreamName(string field, JsonNode? node)
    {
        if (node?.GetValueKind() == JsonValueKind.String && node.GetValue<string>().ToLowerInvariant() is var name
            && UpstreamRoute.IsValidUpstreamName(name))
        {
            return name;
        }
        _errors[field] = [$"{field} must be the name of a configured upstream (letters, digits, '-' and '_')."];
        return null;
    }

    /// <summary>Up to <see cref="MaxFallbacks"/> routes: <c>{ "provider": name, "model"?: name }</c>.</summary>
    private ImmutableArray<UpstreamRoute>? Fallbacks(JsonNode? node)
    {
        const string shape = "fallbacks must be a list of at most 5 objects { \"provider\": name, \"model\"?: name }.";
        if (node is not JsonArray array || array.Count > MaxFallbacks)
        {
            _errors["fallbacks"] = [shape];
            return null;
        }
        var routes = ImmutableArray.CreateBuilder<UpstreamRoute>();
        foreach (var item in array)
        {
            if (item is not JsonObject route || route.Any(field => field.Key is not ("provider" or "model"))
                || UpstreamName("fallbacks", route["provider"]) is not { } upstream)
            {
                _errors["fallbacks"] = [shape];
                return null;
            }
            string? model = null;
            if (route.TryGetPropertyValue("model", out var modelNode) && modelNode is not null)
            {
                if (Text("fallbacks", modelNode, 1, 200) is not { } name)
                {
                    return null;
                }
                model = name;
            }
            routes.Add(new UpstreamRoute(upstream, model));
        }
        return routes.ToImmutable();
    }

    private TenantStatus? Status(JsonNode? node)
    {
        switch (node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null)
        {
            case "active":
                return TenantStatus.Active;
            case "suspended":
                return TenantStatus.Suspended;
            default:
                _errors["status"] = ["status must be \"active\" or \"suspended\"."];
                return null;
        }
    }
}
