using System.Collections.Immutable;

namespace TenantChat.Grains.Models;

/// <summary>One page of a listing; <see cref="Next"/> is null on the last page.</summary>
[GenerateSerializer, Immutable]
public sealed record class Page<T>([property: Id(0)] ImmutableArray<T> Items, [property: Id(1)] PageKey? Next);
