using System.Collections.Immutable;

namespace TenantChat.Grains.Models;

/// <summary>
/// What a tenant's knowledge adds to one chat call: the system parameter with the retrieved chunks appended, its
/// exact token count, and the items used. <see cref="None"/> when nothing scored high enough: the system parameter
/// is then sent unchanged. Silo-internal: it holds the system parameter.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class Grounding(
    [property: Id(0)] string? System,
    [property: Id(1)] int SystemTokens,
    [property: Id(2)] ImmutableArray<KnowledgeSource> Sources)
{
    public static readonly Grounding None = new(null, 0, []);
}
