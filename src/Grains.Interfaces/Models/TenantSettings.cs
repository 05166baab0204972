using System.Collections.Immutable;

namespace TenantChat.Grains.Models;

/// <summary>Everything an operator or a tenant admin configures about a tenant.</summary>
[GenerateSerializer, Immutable]
public sealed record class TenantSettings
{
    public const int DefaultMaxContextTurns = 10;
    public const int DefaultMaxOutputTokens = 512;
    public const int DefaultMaxSystemTokens = 4000;

    [Id(0)] public required string Name { get; init; }

    /// <summary>Normalized host name: lower case, IDN as punycode, no trailing dot.</summary>
    [Id(1)] public required string Domain { get; init; }

    /// <summary>The tenant's system parameter: sent upstream on every call, never shown to a chat caller.</summary>
    [Id(2)] public required string SystemPrompt { get; init; }

    [Id(3)] public required long TokenLimit { get; init; }
    [Id(4)] public required string Model { get; init; }
    [Id(5)] public int? Seed { get; init; }
    [Id(6)] public required ImmutableArray<string> AllowedModels { get; init; }
    [Id(7)] public int? RateLimitRpm { get; init; }
    [Id(8)] public int? RateLimitTpm { get; init; }
    [Id(9)] public int MaxContextTurns { get; init; } = DefaultMaxContextTurns;

    /// <summary>The most completion tokens one call may reserve and generate.</summary>
    [Id(10)] public int MaxOutputTokens { get; init; } = DefaultMaxOutputTokens;

    [Id(11)] public TenantStatus Status { get; init; } = TenantStatus.Active;

    /// <summary>The configured upstream that answers this tenant's calls first.</summary>
    [Id(12)] public string Upstream { get; init; } = UpstreamRoute.DefaultUpstream;

    /// <summary>Tried in order when the tenant's upstream fails or its circuit is open.</summary>
    [Id(13)] public ImmutableArray<UpstreamRoute> Fallbacks { get; init; } = [];

    /// <summary>How long an answer is reused for the same prompt, context, model and seed; 0 (the default) turns the cache off.</summary>
    [Id(14)] public int ResponseCacheSeconds { get; init; }

    /// <summary>Origins (<c>https://shop.example.com</c>) whose pages may call this tenant's chat routes from a browser: the widget's sites.</summary>
    [Id(30)] public ImmutableArray<string> WidgetOrigins { get; init; } = [];
    /// <summary>Who the assistant is; its lines open the assembled system parameter. Null: none.</summary>
    [Id(15)] public Persona? Persona { get; init; }

    /// <summary>Instructions switched on and off by key; the active ones follow the system prompt by ascending priority.</summary>
    [Id(16)] public ImmutableArray<CapabilityModule> Modules { get; init; } = [];

    /// <summary>A prompt containing this (case-insensitive) hands its conversation to a person. Null: only the body's flag does.</summary>
    [Id(17)] public string? HandoffPhrase { get; init; }

    /// <summary>The most o200k tokens the assembled system parameter may take; knowledge gets what is left.</summary>
    [Id(18)] public int MaxSystemTokens { get; init; } = DefaultMaxSystemTokens;

    /// <summary>Usage alerts by webhook; null when the tenant has none.</summary>
    [Id(19)] public AlertSettings? Alerts { get; init; }

    /// <summary>Retrieval from the tenant's own knowledge into the system parameter (contract section 10).</summary>
    [Id(20)] public KnowledgeSettings Knowledge { get; init; } = KnowledgeSettings.Default;

    /// <summary>Answers reused for similar prompts without conversation context (contract section 13).</summary>
    [Id(21)] public SemanticCacheSettings SemanticCache { get; init; } = SemanticCacheSettings.Default;

    /// <summary>Messages older than this many days are erased daily (contract section 14); null keeps them all.</summary>
    [Id(31)] public int? RetentionDays { get; init; }

    /// <summary>Where a call for <paramref name="model"/> goes: the tenant's upstream, then each fallback.</summary>
    public IEnumerable<UpstreamRoute> RoutesFor(string model) =>
        Fallbacks.Select(route => route with { Model = route.Model ?? model })
            .Prepend(new UpstreamRoute(Upstream, model))
            .Distinct();
}
