using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using TenantChat.Grains.Models;

namespace TenantChat.WebFrontend.Governance;

/// <summary>
/// Reads the tenant setting <c>alerts</c>: <c>null</c> (no alerts) or <c>{ "webhook_url", "thresholds" }</c>. Whether
/// the URL's address is allowed is the silo's to say (<c>Alerts:AllowPrivateTargets</c> is silo configuration).
/// </summary>
public static class AlertsInput
{
    /// <summary>True when read (then <paramref name="alerts"/> is the value, null meaning none); else an error is added.</summary>
    public static bool TryRead(JsonNode? node, IDictionary<string, string[]> errors, out AlertSettings? alerts)
    {
        alerts = null;
        if (node is null)
        {
            return true;
        }
        if (node is not JsonObject value || value.Any(field => field.Key is not ("webhook_url" or "thresholds")))
        {
            errors["alerts"] = ["alerts must be null or { \"webhook_url\": url, \"thresholds\": [percent, ...] }."];
            return false;
        }
        var url = value["webhook_url"] is JsonValue text && text.GetValueKind() == JsonValueKind.String ? text.GetValue<string>() : null;
        if (url is null || url.Length > AlertSettings.MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            errors["alerts.webhook_url"] = ["alerts.webhook_url must be an absolute http or https URL."];
            return false;
        }
        if (value["thresholds"] is not JsonArray list || list.Count is 0 or > AlertSettings.MaxThresholds
            || !list.All(item => item is JsonValue n && n.GetValueKind() == JsonValueKind.Number && n.TryGetValue<int>(out var p)
                && p is > 0 and <= AlertSettings.MaxThresholdPercent))
        {
            errors["alerts.thresholds"] = [$"alerts.thresholds must be a list of 1 to {AlertSettings.MaxThresholds} whole percentages from 1 to {AlertSettings.MaxThresholdPercent}."];
            return false;
        }
        alerts = new AlertSettings(url, [.. list.Select(item => item!.GetValue<int>()).Distinct().Order()]);
        return true;
    }
}
