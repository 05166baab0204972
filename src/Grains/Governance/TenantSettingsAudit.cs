using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Governance;

/// <summary>
/// What a tenant's audit entry says about its settings. Every setting is recorded by value except the secret ones
/// (the system parameter and the parts it is assembled from: system_prompt, persona, modules; and any setting whose
/// name says secret, key, password or token, bar the token limit): for those only the fact that they were set or
/// changed, never their text.
/// </summary>
public static class TenantSettingsAudit
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    private static readonly string[] SecretWords = ["prompt", "secret", "key", "password", "token"];

    private static readonly HashSet<string> NotSecret = ["token_limit"];

    /// <summary>Pieces of the assembled system parameter, secret like the system prompt itself.</summary>
    private static readonly HashSet<string> SystemParts = ["persona", "modules"];

    /// <summary>By the words of its name: <c>system_prompt</c>, <c>webhook_secret</c>, <c>api_key</c> are; <c>max_output_tokens</c> is not.</summary>
    public static bool IsSecret(string field) =>
        SystemParts.Contains(field) || (!NotSecret.Contains(field) && field.Split('_').Intersect(SecretWords).Any());

    /// <summary>The settings of a new tenant: values, and <c>{"set": true}</c> for each secret that is not empty.</summary>
    public static JsonObject Created(TenantSettings settings)
    {
        var changes = new JsonObject();
        foreach (var (field, value) in Flatten(settings))
        {
            if (!IsSecret(field))
            {
                changes[field] = value?.DeepClone();
            }
            else if (!IsEmpty(value))
            {
                changes[field] = new JsonObject { ["set"] = true };
            }
        }
        return changes;
    }

    /// <summary>Only what differs: <c>{"from": old, "to": new}</c>, or <c>{"changed": true}</c> for a secret.</summary>
    public static JsonObject Changed(TenantSettings before, TenantSettings after)
    {
        var old = Flatten(before);
        var changes = new JsonObject();
        foreach (var (field, value) in Flatten(after))
        {
            var previous = old.TryGetPropertyValue(field, out var p) ? p : null;
            if (JsonNode.DeepEquals(previous, value))
            {
                continue;
            }
            changes[field] = IsSecret(field)
                ? new JsonObject { ["changed"] = true }
                : new JsonObject { ["from"] = previous?.DeepClone(), ["to"] = value?.DeepClone() };
        }
        return changes;
    }

    /// <summary>A change of status is a suspension or a reactivation; any other change is named by who made it.</summary>
    public static string ActionFor(TenantSettings before, TenantSettings after) =>
        (before.Status, after.Status) switch
        {
            (TenantStatus.Active, TenantStatus.Suspended) => AuditActions.TenantSuspended,
            (TenantStatus.Suspended, TenantStatus.Active) => AuditActions.TenantReactivated,
            _ => AuditCaller.IsOperator ? AuditActions.TenantChanged : AuditActions.SettingsChanged,
        };

    private static JsonObject Flatten(TenantSettings settings) => JsonSerializer.SerializeToNode(settings, Json)!.AsObject();

    private static bool IsEmpty(JsonNode? value) =>
        value is null || (value.GetValueKind() == JsonValueKind.String && value.GetValue<string>().Length == 0)
        || (value is JsonArray array && array.Count == 0);
}
