namespace TenantChat.Grains.Tenants;

/// <summary>A system parameter ready to go upstream, and its o200k tokens.</summary>
public sealed record class AssembledSystem(string Text, int Tokens);
