namespace TenantChat.Grains.Alerts;

/// <summary><c>Alerts:*</c>: webhook targets allowed, and how the silos drain the outbox.</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>Lets webhooks target loopback and private addresses (tests, on-premises receivers). Off by default.</summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>How often each silo looks for events due.</summary>
    public int PollMilliseconds { get; set; } = 1000;

    /// <summary>The first retry's delay; each further retry doubles it, up to five minutes.</summary>
    public double RetryBaseSeconds { get; set; } = 5;

    /// <summary>An event not delivered within this time of being created is given up (kept, marked by its last status).</summary>
    public int GiveUpMinutes { get; set; } = 60;

    public int DeliveryTimeoutSeconds { get; set; } = 10;
}
