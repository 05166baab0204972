using System.Collections.Immutable;
using System.Text.Json;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Persistence;

/// <summary>A message's knowledge sources as stored in <c>chat_messages.sources</c>: <c>[{"id", "title", "score"}]</c>.</summary>
public static class SourcesJson
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string Write(ImmutableArray<KnowledgeSource> sources) =>
        sources.IsDefaultOrEmpty ? "[]" : JsonSerializer.Serialize(sources, Json);

    public static ImmutableArray<KnowledgeSource> Read(string json) =>
        json == "[]" ? [] : JsonSerializer.Deserialize<ImmutableArray<KnowledgeSource>>(json, Json);
}
