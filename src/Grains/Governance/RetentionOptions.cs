namespace TenantChat.Grains.Governance;

/// <summary><c>Retention:*</c>: how the daily purge of old messages runs.</summary>
public sealed class RetentionOptions
{
    public const string Section = "Retention";

    /// <summary>Rows deleted per statement (one short transaction each).</summary>
    public int BatchSize { get; set; } = 2000;

    /// <summary>
    /// How long after retention is first set the first purge runs; then every day at that time. The delay leaves a
    /// moment to undo a mistaken setting before anything is erased.
    /// </summary>
    public int FirstPurgeMinutes { get; set; } = 15;
}
