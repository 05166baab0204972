using System.Text.Json;
using System.Text.Json.Nodes;
using TenantChat.Grains.Models;

namespace TenantChat.WebFrontend.Admin;

/// <summary>
/// Reads the <c>knowledge</c> and <c>semantic_cache</c> setting objects. The fields given replace the current
/// ones and the others stay, so <c>{"knowledge": {"enabled": true}}</c> turns retrieval on with the current limits.
/// </summary>
public static class KnowledgeSettingsReader
{
    public const int MaxTopK = 50;
    public const int MaxKnowledgeTokens = 16_000;
    public const int MaxCacheTtlSeconds = 30 * 24 * 3600;

    public static KnowledgeSettings? Knowledge(JsonNode? node, KnowledgeSettings current, IDictionary<string, string[]> errors) =>
        Merge(node, current, "knowledge",
            "knowledge must be an object { \"enabled\": bool, \"top_k\": 1-50, \"min_score\": 0-1, \"max_tokens\": 1-16000 }.",
            errors, static (read, name, value) => name switch
            {
                "enabled" when Boolean(value) is { } enabled => read with { Enabled = enabled },
                "top_k" when Integer(value, 1, MaxTopK) is { } topK => read with { TopK = topK },
                "min_score" when Number(value, 0, 1) is { } minScore => read with { MinScore = minScore },
                "max_tokens" when Integer(value, 1, MaxKnowledgeTokens) is { } maxTokens => read with { MaxTokens = maxTokens },
                _ => null,
            });

    public static SemanticCacheSettings? SemanticCache(JsonNode? node, SemanticCacheSettings current, IDictionary<string, string[]> errors) =>
        Merge(node, current, "semantic_cache",
            "semantic_cache must be an object { \"enabled\": bool, \"threshold\": 0.5-1, \"ttl_seconds\": 1-2592000 }.",
            errors, static (read, name, value) => name switch
            {
                "enabled" when Boolean(value) is { } enabled => read with { Enabled = enabled },
                // Below about 0.5 "similar" prompts are different questions: a cache that low would answer them wrongly.
                "threshold" when Number(value, 0.5, 1) is { } threshold => read with { Threshold = threshold },
                "ttl_seconds" when Integer(value, 1, MaxCacheTtlSeconds) is { } ttl => read with { TtlSeconds = ttl },
                _ => null,
            });

    /// <summary>
    /// <paramref name="current"/> with each field of the object <paramref name="node"/> applied by
    /// <paramref name="apply"/> (null for a field it does not know or a value out of range); null, with
    /// <paramref name="shape"/> as the error of <paramref name="setting"/>, when anything is amiss.
    /// </summary>
    private static T? Merge<T>(JsonNode? node, T current, string setting, string shape, IDictionary<string, string[]> errors,
        Func<T, string, JsonNode?, T?> apply) where T : class
    {
        var read = node is JsonObject ? current : null;
        foreach (var (name, value) in node as JsonObject ?? [])
        {
            read = read is null ? null : apply(read, name, value);
        }
        if (read is null)
        {
            errors[setting] = [shape];
        }
        return read;
    }

    private static bool? Boolean(JsonNode? node) =>
        node?.GetValueKind() switch { JsonValueKind.True => true, JsonValueKind.False => false, _ => null };

    private static int? Integer(JsonNode? node, int min, int max) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<int>(out var number)
            && number >= min && number <= max ? number : null;

    private static double? Number(JsonNode? node, double min, double max) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<double>(out var number)
            && number >= min && number <= max ? number : null;
}
