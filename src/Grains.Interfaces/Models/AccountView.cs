namespace TenantChat.Grains.Models;

[GenerateSerializer, Immutable]
public sealed record class AccountView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid TenantId,
    [property: Id(2)] string Email,
    [property: Id(3)] string? DisplayName,
    [property: Id(4)] AccountRole Role,
    [property: Id(5)] DateTimeOffset CreatedAt);
