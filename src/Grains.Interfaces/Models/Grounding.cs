using System.Collections.Immutable;

namespace TenantChat.Grains.Models;

/// <summary>
/// What a tenant's knowledge has for one chat call: the knowledge block for the system parameter (empty when
/// nothing scored high enough) and the items in it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class Grounding(
    [property: Id(0)] string Block,
    [property: Id(1)] ImmutableArray<KnowledgeSource> Sources)
{
    public static readonly Grounding None = new("", []);
}
