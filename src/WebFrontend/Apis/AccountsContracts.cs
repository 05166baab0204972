using TenantChat.Grains.Models;

namespace TenantChat.WebFrontend.Apis;

// The request and response bodies of AccountsApi.

public sealed record class SignUpBody(string? Email, string? Password, string? DisplayName);

public sealed record class SignInBody(string? Email, string? Password);

public sealed record class AccountResponse(Guid Id, string Email, string? DisplayName, string Role, DateTimeOffset CreatedAt)
{
    public static AccountResponse From(AccountView account) =>
        new(account.Id, account.Email, account.DisplayName, account.Role == AccountRole.Admin ? "admin" : "member", account.CreatedAt);
}

public sealed record class TokenResponse(string AccessToken, string TokenType, int ExpiresIn);
