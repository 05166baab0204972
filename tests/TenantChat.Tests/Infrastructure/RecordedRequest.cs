using System.Text.Json;

namespace TenantChat.Tests.Infrastructure;

/// <summary>What a <see cref="RecordingServer"/> saw of one request: the raw target, headers (case-insensitive) and body.</summary>
public sealed record class RecordedRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The body parsed as JSON; a body that is not JSON fails the test here.</summary>
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Body);
        return document.RootElement.Clone();
    }

    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}
