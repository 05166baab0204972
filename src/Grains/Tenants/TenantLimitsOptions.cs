namespace TenantChat.Grains.Tenants;

/// <summary>The <c>Tenants</c> configuration section: limits every tenant has.</summary>
public sealed class TenantLimitsOptions
{
    public const string Section = "Tenants";

    /// <summary>Calls of one tenant in flight at once; more are refused with 429, so one tenant's burst cannot starve the rest.</summary>
    public int MaxConcurrentCalls { get; set; } = 1000;

    /// <summary>
    /// Batches of one tenant's messages being written at once: 1, or 2 to let a call finishing while its tenant's
    /// batch commits start its own write at once. The two still commit one after the other (each updates the
    /// tenant's row), so a second batch pays when commits are slow; docs/benchmarks.md compares the two.
    /// </summary>
    public int WriteBatchesInFlight { get; set; } = 1;
}
