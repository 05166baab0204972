namespace TenantChat.WebFrontend.Tenancy;

/// <summary>The tenant a request belongs to, decided by its host alone.</summary>
public sealed record class TenantContext(Guid TenantId, string Domain);
