using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Accounts;

[Collection(ClusterCollection.Name)]
public sealed class AccountsApiTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Sign_up_sign_in_and_me_round_trip()
    {
        var tenant = await fixture.CreateTenantAsync("Accounts tenant.");
        var email = $"Ada.{Guid.NewGuid():N}@Example.test";

        using var signUp = await tenant.Client.PostAsJsonAsync("api/accounts", new { email, password = "s3cret-password", display_name = "Ada" });
        Assert.Equal(HttpStatusCode.Created, signUp.StatusCode);
        var account = await signUp.JsonAsync();
        Assert.Equal(email.ToLowerInvariant(), account["email"]!.GetValue<string>());
        Assert.Equal("member", account["role"]!.GetValue<string>());
        Assert.Null(account["password"]);
        Assert.Null(account["password_hash"]);

        using var signIn = await tenant.Client.PostAsJsonAsync("api/accounts/token", new { email = email.ToUpperInvariant(), password = "s3cret-password" });
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
        var token = await signIn.JsonAsync();
        Assert.Equal("Bearer", token["token_type"]!.GetValue<string>());
        Assert.True(token["expires_in"]!.GetValue<int>() > 0);

        using var me = fixture.ClientFor(tenant.Domain);
        me.DefaultRequestHeaders.Authorization = new("Bearer", token["access_token"]!.GetValue<string>());
        using var meResponse = await me.GetAsync("api/accounts/me");
        Assert.Equal(HttpStatusCode.OK, meResponse.StatusCode);
        var self = await meResponse.JsonAsync();
        Assert.Equal(account["id"]!.GetValue<string>(), self["id"]!.GetValue<string>());
        Assert.Equal("Ada", self["display_name"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_same_email_may_sign_up_on_two_tenants_but_only_once_per_tenant()
    {
        var first = await fixture.CreateTenantAsync("First accounts tenant.");
        var second = await fixture.CreateTenantAsync("Second accounts tenant.");
        var email = $"shared-{Guid.NewGuid():N}@example.test";

        using var a = await first.Client.PostAsJsonAsync("api/accounts", new { email, password = "password-one" });
        using var b = await second.Client.PostAsJsonAsync("api/accounts", new { email, password = "password-two" });
        using var duplicate = await first.Client.PostAsJsonAsync("api/accounts", new { email = email.ToUpperInvariant(), password = "password-three" });

        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("conflict", (await duplicate.JsonAsync())["code"]!.GetValue<string>());
        // Each tenant's account has its own password.
        using var wrongTenantPassword = await first.Client.PostAsJsonAsync("api/accounts/token", new { email, password = "password-two" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrongTenantPassword.StatusCode);
    }

    [Theory]
    [InlineData("not-an-email", "long enough password")]
    [InlineData("a@b.test", "short")]
    [InlineData("", "long enough password")]
    [InlineData("a@b.test", null)]
    public async Task Invalid_sign_ups_are_400(string email, string? password)
    {
        var tenant = await fixture.CreateTenantAsync("Invalid sign-up tenant.");

        using var response = await tenant.Client.PostAsJsonAsync("api/accounts", new { email, password });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", (await response.JsonAsync())["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Sign_in_gives_the_same_answer_for_an_unknown_email_and_a_wrong_password()
    {
        var tenant = await fixture.CreateTenantAsync("Sign-in tenant.");
        var email = $"known-{Guid.NewGuid():N}@example.test";
        using var _ = await tenant.Client.PostAsJsonAsync("api/accounts", new { email, password = "the right password" });

        var wrongPassword = await TimedSignInAsync(tenant, email, "the wrong password");
        var unknownEmail = await TimedSignInAsync(tenant, $"nobody-{Guid.NewGuid():N}@example.test", "the wrong password");

        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, unknownEmail.Status);
        Assert.Equal(wrongPassword.Body, unknownEmail.Body);
        // An unknown email still pays for a password check (generous bound: no timing flakes, but no shortcut).
        Assert.True(unknownEmail.Elapsed > wrongPassword.Elapsed / 3,
            $"unknown email answered in {unknownEmail.Elapsed}, wrong password in {wrongPassword.Elapsed}");
    }

    private static async Task<(HttpStatusCode Status, string Body, TimeSpan Elapsed)> TimedSignInAsync(TestTenants.Tenant tenant, string email, string password)
    {
        var times = new List<TimeSpan>();
        var last = (Status: HttpStatusCode.OK, Body: "");
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await tenant.Client.PostAsJsonAsync("api/accounts/token", new { email, password });
            times.Add(clock.Elapsed);
            var problem = await response.JsonAsync();
            problem.Remove("traceId");
            last = (response.StatusCode, problem.ToJsonString());
        }
        times.Sort();
        return (last.Status, last.Body, times[times.Count / 2]);
    }

    [Fact]
    public async Task Tampered_expired_and_foreign_tokens_are_401()
    {
        var tenant = await fixture.CreateTenantAsync("Token tenant.");
        var other = await fixture.CreateTenantAsync("Other token tenant.");
        using var signedIn = await fixture.SignedInClientAsync(tenant);
        var token = signedIn.DefaultRequestHeaders.Authorization!.Parameter!;
        var otherToken = (await fixture.SignedInClientAsync(other)).DefaultRequestHeaders.Authorization!.Parameter!;
        var parts = token.Split('.');
        var tampered = $"{parts[0]}.{parts[1][..^2]}{(parts[1][^2] == 'A' ? 'B' : 'A')}{parts[1][^1]}.{parts[2]}";
        var expired = ExpiredToken(tenant.Id);

        foreach (var bad in new[] { tampered, expired, otherToken, "not-a-token" })
        {
            using var client = fixture.ClientFor(tenant.Domain);
            client.DefaultRequestHeaders.Authorization = new("Bearer", bad);
            using var response = await client.GetAsync("api/accounts/me");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("unauthorized", (await response.JsonAsync())["code"]!.GetValue<string>());
        }
        using var good = await signedIn.GetAsync("api/accounts/me");
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
    }

    [Fact]
    public async Task Without_a_token_user_endpoints_are_401()
    {
        var tenant = await fixture.CreateTenantAsync("Anonymous tenant.");

        foreach (var path in new[] { "api/accounts/me", "api/usage", "api/customer-data", "api/chat/messages", "api/tenant" })
        {
            using var response = await tenant.Client.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    private static string ExpiredToken(Guid tenantId)
    {
        var past = DateTime.UtcNow.AddHours(-2);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "tenantchat",
            Audience = "tenantchat",
            IssuedAt = past,
            NotBefore = past,
            Expires = past.AddMinutes(5),
            Subject = new ClaimsIdentity([new Claim("sub", Guid.NewGuid().ToString()), new Claim("tid", tenantId.ToString()), new Claim("role", "admin")]),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(ClusterFixture.SigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }
}
