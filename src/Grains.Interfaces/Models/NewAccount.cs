namespace TenantChat.Grains.Models;

/// <summary>A validated sign-up. The password is hashed on arrival and never stored or logged as given.</summary>
[GenerateSerializer, Immutable]
public sealed record class NewAccount(
    [property: Id(0)] string Email,
    [property: Id(1)] string Password,
    [property: Id(2)] string? DisplayName,
    [property: Id(3)] AccountRole Role)
{
    public override string ToString() => $"NewAccount {{ Email = {Email}, Role = {Role} }}";
}
