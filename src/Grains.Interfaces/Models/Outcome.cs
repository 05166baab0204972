using System.Diagnostics.CodeAnalysis;

namespace TenantChat.Grains.Models;

/// <summary>Either a value or the reason there is none; refusals are answers, not exceptions.</summary>
[GenerateSerializer, Immutable]
public sealed record class Outcome<T>(
    [property: Id(0)] T? Value,
    [property: Id(1)] ServiceError? Error)
{
    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(ServiceError error) => new(default, error);
}
