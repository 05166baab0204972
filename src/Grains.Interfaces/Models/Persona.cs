namespace TenantChat.Grains.Models;

/// <summary>Who the tenant's assistant is: its name, its tone and, when set, the language it answers in.</summary>
[GenerateSerializer, Immutable]
public sealed record class Persona(
    [property: Id(0)] string Name,
    [property: Id(1)] PersonaTone Tone,
    [property: Id(2)] string? Language);
