namespace TenantChat.Grains.Models;

/// <summary>A tenant's answers from its caches in a period, and the tokens those answers cost when first made.</summary>
[GenerateSerializer, Immutable]
public sealed record class CacheSavings(
    [property: Id(0)] long Hits,
    [property: Id(1)] long TokensSaved);
