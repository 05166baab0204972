namespace TenantChat.Grains.Models;

/// <summary>The system parameter a call would send upstream now, and its o200k tokens. For the tenant's admin only.</summary>
[GenerateSerializer, Immutable]
public sealed record class SystemPreview(
    [property: Id(0)] string System,
    [property: Id(1)] int Tokens);
