namespace TenantChat.Grains.Models;

/// <summary>
/// What one purge erased: messages and agent replies created before <see cref="Cutoff"/>, in
/// <see cref="Batches"/> short transactions. No cutoff: the tenant keeps everything (or no longer exists).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class RetentionPurge(
    [property: Id(0)] DateTimeOffset? Cutoff,
    [property: Id(1)] long MessagesErased,
    [property: Id(2)] long RepliesErased,
    [property: Id(3)] int Batches)
{
    public static readonly RetentionPurge KeepsEverything = new(null, 0, 0, 0);
}
