namespace TenantChat.Grains.Models;

/// <summary>
/// An account as the API shows it, plus its <see cref="SecurityStamp"/>: a number that changes with every change of
/// role or status, carried in the account's tokens so that such a change refuses the tokens issued before it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class AccountView(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid TenantId,
    [property: Id(2)] string Email,
    [property: Id(3)] string? DisplayName,
    [property: Id(4)] AccountRole Role,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] AccountStatus Status = AccountStatus.Active,
    [property: Id(7)] long SecurityStamp = 0)
{
    public bool IsActiveAdmin => Role == AccountRole.Admin && Status == AccountStatus.Active;
}
