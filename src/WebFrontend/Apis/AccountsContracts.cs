using TenantChat.Grains.Models;

namespace TenantChat.WebFrontend.Apis;

// The request and response bodies of AccountsApi and AccountAdminApi.

public sealed record class SignUpBody(string? Email, string? Password, string? DisplayName);

public sealed record class SignInBody(string? Email, string? Password);

public sealed record class AccountResponse(Guid Id, string Email, string? DisplayName, string Role, string Status, DateTimeOffset CreatedAt)
{
    public static AccountResponse From(AccountView account) =>
        new(account.Id, account.Email, account.DisplayName, account.Role == AccountRole.Admin ? "admin" : "member",
            account.Status == AccountStatus.Active ? "active" : "disabled", account.CreatedAt);
}

public sealed record class TokenResponse(string AccessToken, string TokenType, int ExpiresIn);

public sealed record class AccountChangeBody(string? Role, string? Status);
