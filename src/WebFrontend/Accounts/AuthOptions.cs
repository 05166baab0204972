namespace TenantChat.WebFrontend.Accounts;

/// <summary>The <c>Auth</c> configuration section: how tenant users' bearer tokens are signed.</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>
    /// HMAC-SHA256 key, at least 32 characters, the same on every frontend. When absent a random key is made at
    /// start-up: fine for one process, but tokens then die with it and do not work on other frontends.
    /// </summary>
    public string? SigningKey { get; set; }

    public int TokenLifetimeMinutes { get; set; } = 60;
}
