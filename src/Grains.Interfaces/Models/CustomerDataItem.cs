namespace TenantChat.Grains.Models;

/// <summary>
/// A customer-data record. <see cref="IndexedAt"/> is when this version became searchable knowledge (null until
/// then); <see cref="IndexError"/> says why the last indexing attempt failed (it is retried).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class CustomerDataItem(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string Content,
    [property: Id(3)] string MetadataJson,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset UpdatedAt,
    [property: Id(6)] DateTimeOffset? IndexedAt = null,
    [property: Id(7)] string? IndexError = null)
{
    /// <summary><c>indexed</c>, <c>pending</c>, or <c>failed</c> (retrying).</summary>
    public string IndexStatus => IndexedAt >= UpdatedAt ? "indexed" : IndexError is null ? "pending" : "failed";
}
