using System.Net.Mail;

namespace TenantChat.WebFrontend.Accounts;

/// <summary>The rules for emails, passwords and display names, in one place for sign-up and for a tenant's first admin.</summary>
public static class AccountInput
{
    public const int MinPasswordLength = 8;
    public const int MaxPasswordLength = 256;

    /// <summary>The email in its stored form (trimmed, lower case), or null with an error added.</summary>
    public static string? Email(string? email, string field, IDictionary<string, string[]> errors)
    {
        var trimmed = email?.Trim();
        if (trimmed is null || trimmed.Length > 254 || Apis.StoredText.HasNul(trimmed) || !MailAddress.TryCreate(trimmed, out var address) || address.Address != trimmed)
        {
            errors[field] = [$"{field} must be an email address."];
            return null;
        }
        return trimmed.ToLowerInvariant();
    }

    public static string? Password(string? password, string field, IDictionary<string, string[]> errors)
    {
        if (password is null || password.Length < MinPasswordLength || password.Length > MaxPasswordLength)
        {
            errors[field] = [$"{field} must be {MinPasswordLength} to {MaxPasswordLength} characters."];
            return null;
        }
        return password;
    }

    public static string? DisplayName(string? displayName, IDictionary<string, string[]> errors)
    {
        if (displayName is not null && (displayName.Trim().Length == 0 || displayName.Length > 200 || Apis.StoredText.HasNul(displayName)))
        {
            errors["display_name"] = ["display_name, when given, must be 1 to 200 characters, without NUL."];
        }
        return displayName?.Trim();
    }
}
