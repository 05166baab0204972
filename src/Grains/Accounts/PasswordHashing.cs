using Microsoft.AspNetCore.Identity;

namespace TenantChat.Grains.Accounts;

/// <summary>
/// Slow, salted password hashes from ASP.NET Core Identity (PBKDF2, HMAC-SHA512, 100,000 iterations); no
/// cryptography of our own.
/// </summary>
public sealed class PasswordHashing
{
    private readonly PasswordHasher<object> _hasher = new();

    // Checked when an email is unknown, so that answer costs as much time as a wrong password.
    private readonly string _decoy;

    public PasswordHashing() => _decoy = _hasher.HashPassword(this, Guid.NewGuid().ToString());

    public string Hash(string password) => _hasher.HashPassword(this, password);

    public bool Verify(string? hash, string password)
    {
        var result = _hasher.VerifyHashedPassword(this, hash ?? _decoy, password);
        return hash is not null && result != PasswordVerificationResult.Failed;
    }
}
