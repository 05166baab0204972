using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Problems;

namespace TenantChat.WebFrontend.Admin;

/// <summary>
/// The platform operator authenticates with <c>Authorization: Bearer {Admin:ApiKey}</c>. Without a configured
/// key the admin API is closed: every request is 401.
/// </summary>
public sealed class AdminKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IConfiguration configuration)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AdminKey";
    public const string Policy = "Operator";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var configured = configuration["Admin:ApiKey"];
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(configured) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var presented = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
        if (!CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(configured)))
        {
            return Task.FromResult(AuthenticateResult.Fail("wrong operator key"));
        }
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Role, "operator")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        new ApiProblem(ProblemCode.Unauthorized, "The operator key is missing or wrong.").ExecuteAsync(Context);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        new ApiProblem(ProblemCode.Forbidden, "This key may not do that.").ExecuteAsync(Context);
}
