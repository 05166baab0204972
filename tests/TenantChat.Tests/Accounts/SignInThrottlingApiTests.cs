using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Accounts;

/// <summary>Sign-in throttling (issue 17, finding 4), with the default limits of <c>Accounts:SignIn</c>.</summary>
[Collection(ClusterCollection.Name)]
public sealed class SignInThrottlingApiTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const string Password = "the right password";

    [Fact]
    public async Task Thirty_wrong_passwords_then_the_right_one_is_refused_429_with_retry_after()
    {
        var tenant = await fixture.CreateTenantAsync("Guessed tenant.");
        var email = await SignUpAsync(tenant);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            using var wrong = await SignInAsync(tenant, email, $"guess number {i}");
            statuses.Add(wrong.StatusCode);
        }
        using var right = await SignInAsync(tenant, email, Password);

        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.Equal("rate_limited", (await right.JsonAsync())["code"]!.GetValue<string>());
        Assert.True(right.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 and <= 180 }, $"Retry-After: {right.Headers.RetryAfter}");
        // The first five wrong guesses are answered as such; most of the rest never reach a password check.
        Assert.All(statuses.Take(5), status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        Assert.True(statuses.Count(status => status == HttpStatusCode.TooManyRequests) >= 15, string.Join(",", statuses));
    }

    [Fact]
    public async Task After_the_backoff_the_right_password_signs_in()
    {
        var tenant = await fixture.CreateTenantAsync("Patient tenant.");
        var email = await SignUpAsync(tenant);
        HttpResponseMessage refused;
        var guesses = 0;
        while ((refused = await SignInAsync(tenant, email, $"guess {guesses}")).StatusCode != HttpStatusCode.TooManyRequests)
        {
            refused.Dispose();
            Assert.True(++guesses < 20, "never throttled");
        }
        var wait = refused.Headers.RetryAfter!.Delta!.Value;
        refused.Dispose();
        // Five free failures and one counted (more only if this machine is so slow that the lock passed meanwhile).
        Assert.True(guesses >= 6, $"throttled after {guesses} guesses");
        Assert.True(wait <= TimeSpan.FromSeconds(16), $"Retry-After {wait} after {guesses} guesses");

        await Task.Delay(wait + TimeSpan.FromMilliseconds(100));
        using var right = await SignInAsync(tenant, email, Password);

        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task One_tenant_hammered_leaves_another_tenants_sign_in_answered_promptly()
    {
        var hammered = await fixture.CreateTenantAsync("Hammered tenant.");
        var other = await fixture.CreateTenantAsync("Quiet tenant.");
        var otherEmail = await SignUpAsync(other);
        var before = await SignInTimesAsync(other, otherEmail, 4);

        // 400 wrong sign-ins at once on the hammered tenant, each from its own address and for its own email, so
        // that neither throttle stops them: only the bound on the tenant's hashing work protects the quiet tenant.
        var accounts = fixture.Cluster.Client.GetGrain<IAccountsGrain>(hammered.Id);
        var hammer = Enumerable.Range(0, 400)
            .Select(i => accounts.SignInAsync($"guess{i}@example.test", "wrong password", $"198.51.{i / 250}.{i % 250}"))
            .ToList();
        var during = await SignInTimesAsync(other, otherEmail, 4);
        var outcomes = await Task.WhenAll(hammer);

        output.WriteLine($"quiet tenant's sign-in: before {string.Join(", ", before.Select(Ms))}; during {string.Join(", ", during.Select(Ms))}");
        // Generous bound, for a shared 2-core machine under heavy load: with the bound the quiet tenant waits for at
        // most one of the other's hashes at a time (measured: under 1 s, 3 s with a load average of 34); without
        // it, 400 hashes of about 0.1 s of CPU each would queue it behind tens of seconds of work.
        Assert.True(during.Max() < TimeSpan.FromSeconds(8), $"slowest sign-in of the quiet tenant while the other was hammered: {during.Max()}");
        Assert.All(outcomes, outcome => Assert.True(outcome.Error?.Code is ProblemCode.Unauthorized or ProblemCode.RateLimited));
        // More than the hashing queue holds at once: the rest were refused at once, not queued without bound.
        Assert.Contains(outcomes, outcome => outcome.Error?.Code == ProblemCode.RateLimited);
    }

    [Fact]
    public async Task Credentials_no_account_could_have_are_400_and_never_kept_by_the_throttle()
    {
        var tenant = await fixture.CreateTenantAsync("Oversized sign-in tenant.");
        var email = await SignUpAsync(tenant);

        // 30 in all: had the throttle counted them, the address's bucket (20) would be spent.
        foreach (var (badEmail, password, field) in new[]
        {
            (new string('a', 10_000) + "@example.test", Password, "email"),
            ("nul\u0000@example.test", Password, "email"),
            (email, new string('p', 10_000), "password"),
        })
        {
            for (var i = 0; i < 10; i++)
            {
                using var response = await SignInAsync(tenant, badEmail, password);
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
                Assert.NotNull((await response.JsonAsync())["errors"]![field]);
            }
        }
        using var right = await SignInAsync(tenant, email, Password);

        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    private static string Ms(TimeSpan time) => $"{time.TotalMilliseconds:F0} ms";

    private static async Task<List<TimeSpan>> SignInTimesAsync(TestTenants.Tenant tenant, string email, int count)
    {
        var times = new List<TimeSpan>();
        for (var i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            using var response = await SignInAsync(tenant, email, Password);
            times.Add(clock.Elapsed);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        return times;
    }

    private static async Task<string> SignUpAsync(TestTenants.Tenant tenant)
    {
        var email = $"user-{Guid.NewGuid():N}@example.test";
        using var response = await tenant.Client.PostAsJsonAsync("api/accounts", new { email, password = Password });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return email;
    }

    private static Task<HttpResponseMessage> SignInAsync(TestTenants.Tenant tenant, string email, string password) =>
        tenant.Client.PostAsJsonAsync("api/accounts/token", new { email, password });
}
