using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Apis.Chat;

namespace TenantChat.WebFrontend.Apis;

// The response bodies of TenantApi and AdminApi: a tenant, its usage and its assembled system parameter.

/// <summary>
/// The tenant's usage in the current period; <see cref="CacheHits"/> of its <see cref="Calls"/> were answered from
/// its caches (exact or semantic), which spent nothing and saved the <see cref="TokensSaved"/> their answers first cost;
/// <see cref="CostUsd"/> is what its stored messages of the period cost.
/// </summary>
public sealed record class UsageResponse(long TokensUsed, long TokenLimit, long TokensRemaining, long Calls, DateTimeOffset PeriodStart, long CacheHits,
    long TokensSaved, decimal CostUsd);

/// <summary>The assembled system parameter and its tokens; <see cref="Sources"/> are the knowledge items it would include.</summary>
public sealed record class SystemPreviewResponse(string System, int Tokens, IReadOnlyList<SourceBody> Sources);

/// <summary>A tenant as the operator API, and the tenant's own admins, see it.</summary>
public sealed record class TenantResponse(
    Guid Id,
    string Name,
    string Domain,
    string SystemPrompt,
    string Model,
    int? Seed,
    IReadOnlyList<string> AllowedModels,
    int MaxContextTurns,
    int MaxOutputTokens,
    int? RateLimitRpm,
    int? RateLimitTpm,
    long TokenLimit,
    long TokensUsed,
    long TokensRemaining,
    long Calls,
    DateTimeOffset PeriodStart,
    string Status,
    int Version,
    DateTimeOffset CreatedAt,
    string Provider,
    IReadOnlyList<FallbackResponse> Fallbacks,
    int ResponseCacheSeconds,
    PersonaResponse? Persona,
    IReadOnlyList<ModuleResponse> Modules,
    string? HandoffPhrase,
    int MaxSystemTokens,
    KnowledgeSettings Knowledge,
    SemanticCacheSettings SemanticCache,
    AlertsResponse? Alerts,
    string? WebhookSecret,
    IReadOnlyList<string> WidgetOrigins,
    int? RetentionDays)
{
    public static TenantResponse From(TenantView view)
    {
        var s = view.Settings;
        return new TenantResponse(view.Id, s.Name, s.Domain, s.SystemPrompt, s.Model, s.Seed, s.AllowedModels, s.MaxContextTurns,
            s.MaxOutputTokens, s.RateLimitRpm, s.RateLimitTpm, s.TokenLimit, view.TokensUsed, view.TokensRemaining, view.Calls,
            view.PeriodStart, s.Status == TenantStatus.Suspended ? "suspended" : "active", view.Version, view.CreatedAt,
            s.Upstream, [.. s.Fallbacks.Select(route => new FallbackResponse(route.Upstream, route.Model))], s.ResponseCacheSeconds,
            s.Persona is { } persona ? new PersonaResponse(persona.Name, PersonaTones.Of(persona.Tone), persona.Language) : null,
            [.. s.Modules.Select(module => new ModuleResponse(module.Key, module.Prompt, module.Priority, module.Active))], s.HandoffPhrase,
            s.MaxSystemTokens, s.Knowledge, s.SemanticCache,
            s.Alerts is { } alerts ? new AlertsResponse(alerts.WebhookUrl, alerts.Thresholds) : null, view.NewWebhookSecret, s.WidgetOrigins,
            s.RetentionDays);
    }
}

/// <summary>
/// The tenant's usage alerts. The webhook secret is in the tenant's answer only once, to the change that set it
/// (<c>webhook_secret</c>; null in every other answer).
/// </summary>
public sealed record class AlertsResponse(string WebhookUrl, IReadOnlyList<int> Thresholds);

/// <summary>One fallback route; no model means the model the call asked for.</summary>
public sealed record class FallbackResponse(string Provider, string? Model);

/// <summary>Who the assistant is; <see cref="Tone"/> is professional, friendly, formal or casual.</summary>
public sealed record class PersonaResponse(string Name, string Tone, string? Language);

/// <summary>One capability module as configured.</summary>
public sealed record class ModuleResponse(string Key, string Prompt, int Priority, bool Active);
