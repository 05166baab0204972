using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using TenantChat.WebFrontend.Pages;

namespace TenantChat.WebFrontend.Admin;

/// <summary>The <c>widget_origins</c> setting: the sites allowed to embed the tenant's chat widget.</summary>
public sealed partial class TenantSettingsReader
{
    public const int MaxWidgetOrigins = 20;

    private ImmutableArray<string>? WidgetOrigins(JsonNode? node)
    {
        const string shape = "widget_origins must be a list of at most 20 origins such as \"https://shop.example.com\" (scheme, host and optional port; no path).";
        if (node is not JsonArray array || array.Count > MaxWidgetOrigins)
        {
            _errors["widget_origins"] = [shape];
            return null;
        }
        var origins = ImmutableArray.CreateBuilder<string>();
        foreach (var item in array)
        {
            if (item?.GetValueKind() != JsonValueKind.String || !WidgetOrigin.TryNormalize(item.GetValue<string>(), out var origin))
            {
                _errors["widget_origins"] = [shape];
                return null;
            }
            if (!origins.Contains(origin))
            {
                origins.Add(origin);
            }
        }
        return origins.ToImmutable();
    }
}
