namespace TenantChat.Grains.Accounts;

/// <summary>
/// The <c>Accounts:SignIn</c> configuration section: how each tenant's sign-in is throttled and how much password
/// hashing one tenant may do at once. Every silo must run the same values.
/// </summary>
public sealed class SignInOptions
{
    public const string Section = "Accounts:SignIn";

    /// <summary>Failed sign-ins in a row for one email before the backoff starts.</summary>
    public int FreeFailures { get; set; } = 5;

    /// <summary>The first backoff; each further failure doubles it, up to <see cref="MaxBackoffSeconds"/>.</summary>
    public double BackoffSeconds { get; set; } = 1;

    /// <summary>The longest an email is refused after failures: an attacker can never lock a user out for longer.</summary>
    public double MaxBackoffSeconds { get; set; } = 180;

    /// <summary>After this long without a failure an email's count starts again from zero.</summary>
    public double ForgetFailuresAfterSeconds { get; set; } = 3600;

    /// <summary>Sign-ins one client address may burst to on one tenant; the bucket refills at <see cref="AddressPerMinute"/>.</summary>
    public int AddressBurst { get; set; } = 20;

    public double AddressPerMinute { get; set; } = 10;

    /// <summary>Password hashes (sign-in and sign-up) of one tenant computed at once, across the cluster.</summary>
    public int MaxConcurrentHashes { get; set; } = 1;

    /// <summary>Sign-ins and sign-ups of one tenant waiting for a hash; more are refused with 429.</summary>
    public int MaxQueuedHashes { get; set; } = 32;

    /// <summary>Emails and addresses one tenant tracks before the idle ones are forgotten.</summary>
    public int MaxTracked { get; set; } = 10_000;

    public bool IsValid() =>
        FreeFailures >= 0 && BackoffSeconds > 0 && MaxBackoffSeconds >= BackoffSeconds && ForgetFailuresAfterSeconds > 0
        && AddressBurst > 0 && AddressPerMinute > 0 && MaxConcurrentHashes > 0 && MaxQueuedHashes >= 0 && MaxTracked > 0;
}
