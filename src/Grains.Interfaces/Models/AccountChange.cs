namespace TenantChat.Grains.Models;

/// <summary>A tenant admin's change to an account; a null field stays as it is.</summary>
[GenerateSerializer, Immutable]
public sealed record class AccountChange(
    [property: Id(0)] AccountRole? Role,
    [property: Id(1)] AccountStatus? Status);
