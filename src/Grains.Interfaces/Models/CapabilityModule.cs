namespace TenantChat.Grains.Models;

/// <summary>
/// A named piece of instructions a tenant can switch on and off (returns, shipping, ...). Active modules follow the
/// system prompt in the assembled system parameter, lowest <see cref="Priority"/> first.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class CapabilityModule(
    [property: Id(0)] string Key,
    [property: Id(1)] string Prompt,
    [property: Id(2)] int Priority,
    [property: Id(3)] bool Active);
