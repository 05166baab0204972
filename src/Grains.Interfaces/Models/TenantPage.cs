using System.Collections.Immutable;

namespace TenantChat.Grains.Models;

[GenerateSerializer, Immutable]
public sealed record class TenantPage(
    [property: Id(0)] ImmutableArray<TenantView> Items,
    [property: Id(1)] Guid? NextAfter);
