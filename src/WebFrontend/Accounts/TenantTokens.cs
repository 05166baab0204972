using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TenantChat.Grains.Models;

namespace TenantChat.WebFrontend.Accounts;

/// <summary>Issues and describes the bearer tokens of tenant users. A token names its tenant and is valid only there.</summary>
public sealed class TenantTokens
{
    public const string TenantClaim = "tid";
    public const string RoleClaim = "role";

    /// <summary>The account's security stamp when the token was issued; a token whose stamp is stale is refused.</summary>
    public const string StampClaim = "sst";
    private const string Issuer = "tenantchat";

    private readonly AuthOptions _options;
    private readonly TimeProvider _clock;
    private readonly SymmetricSecurityKey _key;
    private readonly JsonWebTokenHandler _handler = new();

    public TenantTokens(IOptions<AuthOptions> options, TimeProvider clock, ILogger<TenantTokens> logger)
    {
        _options = options.Value;
        _clock = clock;
        if (string.IsNullOrEmpty(_options.SigningKey))
        {
            logger.LogWarning("Auth:SigningKey is not set; using a random key: tokens will not outlive this process or work on other frontends");
        }
        _key = new SymmetricSecurityKey(string.IsNullOrEmpty(_options.SigningKey)
            ? RandomNumberGenerator.GetBytes(32)
            : Encoding.UTF8.GetBytes(_options.SigningKey));
    }

    public int LifetimeSeconds => _options.TokenLifetimeMinutes * 60;

    public TokenValidationParameters ValidationParameters => new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Issuer,
        IssuerSigningKey = _key,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        NameClaimType = JwtRegisteredClaimNames.Sub,
        RoleClaimType = RoleClaim,
        ClockSkew = TimeSpan.FromSeconds(30),
    };

    public string Issue(AccountView account)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Issuer,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddSeconds(LifetimeSeconds),
            Subject = new ClaimsIdentity(
            [
                new Claim(JwtRegisteredClaimNames.Sub, account.Id.ToString()),
                new Claim(TenantClaim, account.TenantId.ToString()),
                new Claim(RoleClaim, account.Role == AccountRole.Admin ? "admin" : "member"),
                new Claim(StampClaim, account.SecurityStamp.ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer64),
            ]),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
    }
}
