namespace TenantChat.FaultSuite;

/// <summary>A tenant the suite created: its id, its domain (the Host of its chat calls) and its index in a load.</summary>
public sealed record class FaultTenant(int Index, Guid Id, string Domain);
