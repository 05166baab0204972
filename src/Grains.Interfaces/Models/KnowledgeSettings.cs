namespace TenantChat.Grains.Models;

/// <summary>
/// A tenant's use of its own knowledge in chat: when <see cref="Enabled"/>, each call retrieves the chunks scoring
/// at least <see cref="MinScore"/>, at most <see cref="TopK"/> of them and <see cref="MaxTokens"/> tokens, into
/// the system parameter.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class KnowledgeSettings(
    [property: Id(0)] bool Enabled = false,
    [property: Id(1)] int TopK = 5,
    [property: Id(2)] double MinScore = 0.3,
    [property: Id(3)] int MaxTokens = 1500)
{
    public static readonly KnowledgeSettings Default = new();
}
