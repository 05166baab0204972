namespace TenantChat.Grains.Models;

/// <summary>
/// A tenant's semantic cache: a call without conversation context whose prompt is at least <see cref="Threshold"/>
/// similar to one answered within <see cref="TtlSeconds"/> (same system parameter, model and seed) gets that answer.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class SemanticCacheSettings(
    [property: Id(0)] bool Enabled = false,
    [property: Id(1)] double Threshold = 0.92,
    [property: Id(2)] int TtlSeconds = 86_400)
{
    public static readonly SemanticCacheSettings Default = new();
}
