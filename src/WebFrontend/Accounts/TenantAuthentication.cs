using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Accounts;

public static class TenantAuthentication
{
    public const string UserPolicy = "TenantUser";
    public const string AdminPolicy = "TenantAdmin";

    /// <summary>
    /// Bearer tokens of tenant users: signature, lifetime, and the token's tenant equal to the tenant of the
    /// request's host (a token from tenant A on tenant B's domain is 401).
    /// </summary>
    public static IServiceCollection AddTenantUsers(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.Section)
            .Validate(o => o.SigningKey is null || o.SigningKey.Length >= 32, "Auth:SigningKey must be at least 32 characters.")
            .Validate(o => o.TokenLifetimeMinutes > 0, "Auth:TokenLifetimeMinutes must be positive.");
        services.AddSingleton<TenantTokens>();
        services.AddAuthentication().AddJwtBearer(options =>
        {
            options.MapInboundClaims = false;
            options.Events = new JwtBearerEvents
            {
                OnTokenValidated = async context =>
                {
                    var tenant = context.HttpContext.Features.Get<TenantContext>();
                    if (tenant is null || context.Principal?.FindFirst(TenantTokens.TenantClaim)?.Value != tenant.TenantId.ToString())
                    {
                        context.Fail("The token belongs to another tenant.");
                    }
                    else if (!await IsCurrentAsync(context.Principal, tenant.TenantId, context.HttpContext.RequestServices))
                    {
                        context.Fail("The token's account was disabled, deleted or changed since it was issued.");
                    }
                },
                OnChallenge = async context =>
                {
                    context.HandleResponse();
                    await new ApiProblem(ProblemCode.Unauthorized, "A valid bearer token of this tenant's user is required.").ExecuteAsync(context.HttpContext);
                },
                OnForbidden = context =>
                    new ApiProblem(ProblemCode.Forbidden, "This needs the tenant's admin role.").ExecuteAsync(context.HttpContext),
            };
        });
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<TenantTokens>((options, tokens) => options.TokenValidationParameters = tokens.ValidationParameters);
        services.AddAuthorizationBuilder()
            .AddPolicy(UserPolicy, policy => policy.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser())
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme).RequireRole("admin"));
        return services;
    }

    /// <summary>
    /// Asks the tenant's accounts grain, on every request and with no cache here, whether the token's account still
    /// has the security stamp the token carries: a disabled, deleted or re-roled account's tokens stop working at
    /// once on every frontend. The grain answers from memory.
    /// </summary>
    private static async Task<bool> IsCurrentAsync(ClaimsPrincipal principal, Guid tenantId, IServiceProvider services) =>
        Guid.TryParse(principal.FindFirst(JwtRegisteredClaimNames.Sub)?.Value, out var accountId)
        && long.TryParse(principal.FindFirst(TenantTokens.StampClaim)?.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var stamp)
        && await services.GetRequiredService<IClusterClient>().GetGrain<IAccountsGrain>(tenantId).IsTokenCurrentAsync(accountId, stamp);
}
