using System.Collections.Immutable;

namespace TenantChat.Grains.Models;

/// <summary>
/// The system parameter a call would send upstream now, its o200k tokens, and the knowledge items in it. For the
/// tenant's admin only.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class SystemPreview(
    [property: Id(0)] string System,
    [property: Id(1)] int Tokens)
{
    [Id(2)] public ImmutableArray<KnowledgeSource> Sources { get; init; } = [];
}
