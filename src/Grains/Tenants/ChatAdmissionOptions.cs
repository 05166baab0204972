namespace TenantChat.Grains.Tenants;

/// <summary>The silo's part of the <c>Chat</c> configuration section: how chat calls are admitted.</summary>
public sealed class ChatAdmissionOptions
{
    public const string Section = "Chat";

    /// <summary>The most a stream may wait (it is admitted by a grain call with Orleans' default 30 s timeout).</summary>
    public const double MaxAdmissionWaitSeconds = 25;

    /// <summary>
    /// How long a call that would fit once the tenant's calls in flight settle waits for them before it is refused
    /// with <c>token_limit_exceeded</c>; 0 refuses it at once.
    /// </summary>
    public double AdmissionWaitSeconds { get; set; } = 10;
}
