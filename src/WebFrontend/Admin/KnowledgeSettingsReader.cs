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

    public static KnowledgeSettings? Knowledge(JsonNode? node, KnowledgeSettings current, IDictionary<string, string[]> errors)
    {
        const string shape = "knowledge must be an object { \"enabled\": bool, \"top_k\": 1-50, \"min_score\": 0-1, \"max_tokens\": 1-16000 }.";
        if (node is not JsonObject fields || fields.Any(field => field.Key is not ("enabled" or "top_k" or "min_score" or "max_tokens")))
        {
            errors["knowledge"] = [shape];
            return null;
        }
        var read = current;
        var ok = true;
        foreach (var (name, value) in fields)
        {
            switch (name)
            {
                case "enabled" when Boolean(value) is { } enabled:
                    read = read with { Enabled = enabled };
                    break;
                case "top_k" when Integer(value, 1, MaxTopK) is { } topK:
                    read = read with { TopK = topK };
                    break;
                case "min_score" when Number(value, 0, 1) is { } minScore:
                    read = read with { MinScore = minScore };
                    break;
                case "max_tokens" when Integer(value, 1, MaxKnowledgeTokens) is { } maxTokens:
                    read = read with { MaxTokens = maxTokens };
                    break;
                default:
                    ok = false;
                    break;
            }
        }
        if (!ok)
        {
            errors["knowledge"] = [shape];
        }
        return ok ? read : null;
    }

    public static SemanticCacheSettings? SemanticCache(JsonNode? node, SemanticCacheSettings current, IDictionary<string, string[]> errors)
    {
        const string shape = "semantic_cache must be an object { \"enabled\": bool, \"threshold\": 0.5-1, \"ttl_seconds\": 1-2592000 }.";
        if (node is not JsonObject fields || fields.Any(field => field.Key is not ("enabled" or "threshold" or "ttl_seconds")))
        {
            errors["semantic_cache"] = [shape];
            return null;
        }
        var read = current;
        var ok = true;
        foreach (var (name, value) in fields)
        {
            switch (name)
            {
                case "enabled" when Boolean(value) is { } enabled:
                    read = read with { Enabled = enabled };
                    break;
                // Below about 0.5 "similar" prompts are different questions: a cache that low would answer them wrongly.
                case "threshold" when Number(value, 0.5, 1) is { } threshold:
                    read = read with { Threshold = threshold };
                    break;
                case "ttl_seconds" when Integer(value, 1, MaxCacheTtlSeconds) is { } ttl:
                    read = read with { TtlSeconds = ttl };
                    break;
                default:
                    ok = false;
                    break;
            }
        }
        if (!ok)
        {
            errors["semantic_cache"] = [shape];
        }
        return ok ? read : null;
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
