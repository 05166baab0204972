namespace TenantChat.Grains.Models;

[GenerateSerializer, Immutable]
public sealed record class CustomerDataItem(
    [property: Id(0)] Guid Id,
    [property: Id(1)] string Title,
    [property: Id(2)] string Content,
    [property: Id(3)] string MetadataJson,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset UpdatedAt);
