namespace TenantChat.Grains.Tenants;

/// <summary>The <c>Tenants</c> configuration section: limits every tenant has.</summary>
public sealed class TenantLimitsOptions
{
    public const string Section = "Tenants";

    /// <summary>Calls of one tenant in flight at once; more are refused with 429, so one tenant's burst cannot starve the rest.</summary>
    public int MaxConcurrentCalls { get; set; } = 1000;
}
