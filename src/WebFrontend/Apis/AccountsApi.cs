using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.HttpResults;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Accounts;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Requests;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Apis;

/// <summary>
/// A tenant's users: sign up, sign in for a bearer token bound to this tenant, and read oneself; the tenant admin's
/// list, change and delete are in <see cref="AccountAdminApi"/>.
/// </summary>
public static class AccountsApi
{
    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        // An email, a password and a name: nothing legitimate comes near 16 KiB.
        var accounts = app.MapGroup("api/accounts").ForTenantHost().WithTags("Accounts").WithJsonBodyLimit(16 * 1024);
        accounts.MapPost("", SignUpAsync);
        accounts.MapPost("token", SignInAsync);
        accounts.MapGet("me", GetMeAsync).RequireAuthorization(TenantAuthentication.UserPolicy);
        accounts.MapAccountAdminApi();
        return app;
    }

    public static async Task<Results<Created<AccountResponse>, ApiProblem>> SignUpAsync(SignUpBody body, HttpContext httpContext, IClusterClient orleans)
    {
        var errors = new Dictionary<string, string[]>();
        var email = AccountInput.Email(body.Email, "email", errors);
        var password = AccountInput.Password(body.Password, "password", errors);
        var displayName = AccountInput.DisplayName(body.DisplayName, errors);
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }
        // Set here, not inside the helper: a request-context value set in an awaited method does not outlive it.
        if (await SignedInCreatorAsync(httpContext) is { } creator)
        {
            AuditCaller.Set(AuditCaller.Account(creator), httpContext.TraceIdentifier);
        }
        var outcome = await orleans.GetGrain<IAccountsGrain>(httpContext.Tenant().TenantId)
            .SignUpAsync(new NewAccount(email!, password!, displayName, AccountRole.Member));
        return outcome.Succeeded
            ? TypedResults.Created("/api/accounts/me", AccountResponse.From(outcome.Value))
            : ApiProblem.From(outcome.Error);
    }

    /// <summary>
    /// Sign-up is open to anyone, so the route authenticates nobody; but when a signed-in user of this tenant adds a
    /// colleague (the console's Accounts section does), the audit entry names that user instead of "anonymous". A
    /// token that does not validate here changes nothing: the sign-up stays anonymous.
    /// </summary>
    private static async Task<Guid?> SignedInCreatorAsync(HttpContext httpContext)
    {
        if (httpContext.Request.Headers.Authorization.Count == 0)
        {
            return null;
        }
        var signedIn = await httpContext.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        return signedIn.Succeeded && Guid.TryParse(signedIn.Principal.Identity?.Name, out var creator) ? creator : null;
    }

    public static async Task<Results<Ok<TokenResponse>, ApiProblem>> SignInAsync(
        SignInBody body, HttpContext httpContext, IClusterClient orleans, TenantTokens tokens)
    {
        if (string.IsNullOrWhiteSpace(body.Email) || string.IsNullOrEmpty(body.Password))
        {
            return new ApiProblem(ProblemCode.ValidationFailed, "email and password are required.");
        }
        // Only what sign-up could have stored gets as far as the throttle, which keeps emails in memory.
        var errors = new Dictionary<string, string[]>();
        var email = AccountInput.Email(body.Email, "email", errors);
        if (body.Password.Length > AccountInput.MaxPasswordLength)
        {
            errors["password"] = [$"password is at most {AccountInput.MaxPasswordLength} characters."];
        }
        if (errors.Count > 0)
        {
            return ApiProblem.Validation(errors);
        }
        var outcome = await orleans.GetGrain<IAccountsGrain>(httpContext.Tenant().TenantId)
            .SignInAsync(email!, body.Password, ClientAddress.Of(httpContext));
        return outcome.Succeeded
            ? TypedResults.Ok(new TokenResponse(tokens.Issue(outcome.Value), "Bearer", tokens.LifetimeSeconds))
            : ApiProblem.From(outcome.Error);
    }

    public static async Task<Results<Ok<AccountResponse>, ApiProblem>> GetMeAsync(HttpContext httpContext, IClusterClient orleans)
    {
        var account = await orleans.GetGrain<IAccountsGrain>(httpContext.Tenant().TenantId).FindAsync(httpContext.AccountId());
        return account is null
            ? new ApiProblem(ProblemCode.Unauthorized, "The account of this token no longer exists.")
            : TypedResults.Ok(AccountResponse.From(account));
    }

    public static Guid AccountId(this HttpContext httpContext) =>
        Guid.Parse(httpContext.User.Identity?.Name ?? throw new InvalidOperationException("No signed-in user."));
}
