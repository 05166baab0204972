using System.Text.Json;

namespace TenantChat.WebFrontend.Apis;

/// <summary>
/// PostgreSQL cannot store the NUL character in text or jsonb, so input holding one is refused up front as a
/// validation problem rather than failing later as an unavailable database.
/// </summary>
public static class StoredText
{
    public const string NulProblem = "must not contain the NUL character (U+0000).";

    public static bool HasNul(string? text) => text?.Contains('\0', StringComparison.Ordinal) == true;

    /// <summary>Whether any string or property name anywhere in <paramref name="json"/> holds a NUL.</summary>
    public static bool HasNul(JsonElement json) => json.ValueKind switch
    {
        JsonValueKind.String => HasNul(json.GetString()),
        JsonValueKind.Array => json.EnumerateArray().Any(HasNul),
        JsonValueKind.Object => json.EnumerateObject().Any(property => HasNul(property.Name) || HasNul(property.Value)),
        _ => false,
    };
}
