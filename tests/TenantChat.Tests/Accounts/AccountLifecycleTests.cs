using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Testing;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Accounts;

/// <summary>A tenant admin's account lifecycle, and tokens refused at once after it (issue 17, finding 7).</summary>
[Collection(ClusterCollection.Name)]
public sealed class AccountLifecycleTests(ClusterFixture fixture)
{
    private const string Password = "member password 1";

    [Fact]
    public async Task A_disabled_or_deleted_accounts_token_is_refused_on_the_next_request_on_both_frontends()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Lifecycle tenant.");
        await using var secondFrontend = fixture.CreateFrontend();
        var disabled = await MemberAsync(tenant);
        var deleted = await MemberAsync(tenant);
        using var disabledOnFirst = WithToken(fixture.ClientFor(tenant.Domain), disabled.Token);
        using var disabledOnSecond = WithToken(ClientOn(secondFrontend, tenant), disabled.Token);
        using var deletedOnFirst = WithToken(fixture.ClientFor(tenant.Domain), deleted.Token);
        using var deletedOnSecond = WithToken(ClientOn(secondFrontend, tenant), deleted.Token);
        foreach (var client in new[] { disabledOnFirst, disabledOnSecond, deletedOnFirst, deletedOnSecond })
        {
            // Used on both frontends first, so that a cache anywhere would now hold the account as good.
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(client.GetAsync("api/accounts/me")));
        }

        using var disable = await admin.PatchAsJsonAsync($"api/accounts/{disabled.Id}", new { status = "disabled" });
        Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        Assert.Equal("disabled", (await disable.JsonAsync())["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(disabledOnSecond.GetAsync("api/accounts/me")));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(disabledOnFirst.GetAsync("api/usage")));

        Assert.Equal(HttpStatusCode.NoContent, await StatusAsync(admin.DeleteAsync($"api/accounts/{deleted.Id}")));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(deletedOnSecond.GetAsync("api/customer-data")));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(deletedOnFirst.GetAsync("api/accounts/me")));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(admin.PatchAsJsonAsync($"api/accounts/{deleted.Id}", new { status = "active" })));

        // A disabled account cannot sign in; enabled again it can, and its old token stays dead.
        using var signIn = await tenant.Client.PostAsJsonAsync("api/accounts/token", new { email = disabled.Email, password = Password });
        Assert.Equal(HttpStatusCode.Forbidden, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(admin.PatchAsJsonAsync($"api/accounts/{disabled.Id}", new { status = "active" })));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(disabledOnSecond.GetAsync("api/accounts/me")));
        using var again = WithToken(ClientOn(secondFrontend, tenant), await fixture.TokenAsync(tenant, disabled.Email, Password));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(again.GetAsync("api/accounts/me")));
    }

    [Fact]
    public async Task A_demoted_admin_loses_the_admin_routes_at_once_on_both_frontends()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Demotion tenant.");
        await using var secondFrontend = fixture.CreateFrontend();
        var promoted = await MemberAsync(tenant);
        using var promote = await admin.PatchAsJsonAsync($"api/accounts/{promoted.Id}", new { role = "admin" });
        Assert.Equal("admin", (await promote.JsonAsync())["role"]!.GetValue<string>());
        var adminToken = await fixture.TokenAsync(tenant, promoted.Email, Password);
        using var onFirst = WithToken(fixture.ClientFor(tenant.Domain), adminToken);
        using var onSecond = WithToken(ClientOn(secondFrontend, tenant), adminToken);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(onFirst.GetAsync("api/tenant")));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(onSecond.GetAsync("api/accounts")));

        Assert.Equal(HttpStatusCode.OK, await StatusAsync(admin.PatchAsJsonAsync($"api/accounts/{promoted.Id}", new { role = "member" })));

        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(onSecond.GetAsync("api/tenant")));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusAsync(onFirst.GetAsync("api/accounts")));
        // Signed in again, the account is a member: the admin routes are forbidden.
        using var member = WithToken(ClientOn(secondFrontend, tenant), await fixture.TokenAsync(tenant, promoted.Email, Password));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(member.GetAsync("api/accounts/me")));
        using var forbidden = await member.GetAsync("api/tenant");
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("forbidden", (await forbidden.JsonAsync())["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_last_active_admin_cannot_be_demoted_disabled_or_deleted()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Last admin tenant.");
        var adminId = (await (await admin.GetAsync("api/accounts/me")).JsonAsync())["id"]!.GetValue<Guid>();

        foreach (var change in new object[] { new { role = "member" }, new { status = "disabled" }, new { role = "member", status = "disabled" } })
        {
            using var refused = await admin.PatchAsJsonAsync($"api/accounts/{adminId}", change);
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal("conflict", (await refused.JsonAsync())["code"]!.GetValue<string>());
        }
        using var delete = await admin.DeleteAsync($"api/accounts/{adminId}");
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);
        // Nothing changed: the admin's token still works.
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(admin.GetAsync("api/tenant")));

        // With a second admin, two demotions at once: exactly one may win.
        var other = await MemberAsync(tenant);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(admin.PatchAsJsonAsync($"api/accounts/{other.Id}", new { role = "admin" })));
        using var otherAdmin = WithToken(fixture.ClientFor(tenant.Domain), await fixture.TokenAsync(tenant, other.Email, Password));
        var results = await Task.WhenAll(
            StatusAsync(admin.PatchAsJsonAsync($"api/accounts/{other.Id}", new { role = "member" })),
            StatusAsync(otherAdmin.PatchAsJsonAsync($"api/accounts/{adminId}", new { role = "member" })));
        Assert.Single(results, status => status == HttpStatusCode.OK);
        var admins = (await ListAllAsync(otherAdmin, admin))
            .Count(account => account["role"]!.GetValue<string>() == "admin");
        Assert.Equal(1, admins);
    }

    [Fact]
    public async Task Paging_returns_each_of_the_tenants_accounts_exactly_once()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Paging accounts tenant.");
        var (otherTenant, _) = await fixture.CreateTenantWithAdminAsync("Other paging tenant.");
        var created = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            created.Add((await MemberAsync(tenant)).Id);
        }
        var foreign = (await MemberAsync(otherTenant)).Id;

        var ids = new List<Guid>();
        string? cursor = null;
        var pages = 0;
        do
        {
            using var response = await admin.GetAsync(cursor is null ? "api/accounts?limit=3" : $"api/accounts?limit=3&cursor={cursor}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await response.JsonAsync();
            var items = page["items"]!.AsArray();
            Assert.InRange(items.Count, 1, 3);
            ids.AddRange(items.Select(item => item!["id"]!.GetValue<Guid>()));
            Assert.All(items, item => Assert.Null(item!["password_hash"]));
            cursor = page["next_cursor"]?.GetValue<string>();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(8, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Subset(ids.ToHashSet(), created.ToHashSet());
        Assert.DoesNotContain(foreign, ids);
        Assert.Equal(3, pages);
        Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(admin.GetAsync("api/accounts?cursor=not-a-cursor")));
        Assert.Equal(HttpStatusCode.BadRequest, await StatusAsync(admin.GetAsync("api/accounts?limit=0")));
    }

    [Fact]
    public async Task Another_tenants_account_id_is_404_and_stays_unchanged()
    {
        var (victim, _) = await fixture.CreateTenantWithAdminAsync("Victim tenant.");
        var (_, attacker) = await fixture.CreateTenantWithAdminAsync("Attacker tenant.");
        var target = await MemberAsync(victim);

        using var patch = await attacker.PatchAsJsonAsync($"api/accounts/{target.Id}", new { status = "disabled" });
        using var delete = await attacker.DeleteAsync($"api/accounts/{target.Id}");

        Assert.Equal(HttpStatusCode.NotFound, patch.StatusCode);
        Assert.Equal("not_found", (await patch.JsonAsync())["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        using var stillThere = WithToken(fixture.ClientFor(victim.Domain), target.Token);
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(stillThere.GetAsync("api/accounts/me")));
    }

    [Fact]
    public async Task Members_are_forbidden_the_account_admin_routes_and_bad_changes_are_400()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Member routes tenant.");
        var account = await MemberAsync(tenant);
        using var member = WithToken(fixture.ClientFor(tenant.Domain), account.Token);

        foreach (var response in new[]
        {
            await member.GetAsync("api/accounts"),
            await member.PatchAsJsonAsync($"api/accounts/{account.Id}", new { role = "admin" }),
            await member.DeleteAsync($"api/accounts/{account.Id}"),
        })
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("forbidden", (await response.JsonAsync())["code"]!.GetValue<string>());
            response.Dispose();
        }

        foreach (var (body, field) in new (object Body, string Field)[]
        {
            (new { role = "owner" }, "role"),
            (new { status = "gone" }, "status"),
            (new { }, "role"),
        })
        {
            using var response = await admin.PatchAsJsonAsync($"api/accounts/{account.Id}", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.NotNull((await response.JsonAsync())["errors"]![field]);
        }
        // Nothing of that changed the member: its token still works and it is still a member.
        var me = await (await member.GetAsync("api/accounts/me")).JsonAsync();
        Assert.Equal("member", me["role"]!.GetValue<string>());
        Assert.Equal("active", me["status"]!.GetValue<string>());
    }

    private sealed record class Member(Guid Id, string Email, string Token);

    private async Task<Member> MemberAsync(TestTenants.Tenant tenant)
    {
        var email = $"member-{Guid.NewGuid():N}@example.test";
        using var signUp = await tenant.Client.PostAsJsonAsync("api/accounts", new { email, password = Password });
        Assert.Equal(HttpStatusCode.Created, signUp.StatusCode);
        return new Member((await signUp.JsonAsync())["id"]!.GetValue<Guid>(), email, await fixture.TokenAsync(tenant, email, Password));
    }

    /// <summary>The accounts, listed by the first of <paramref name="clients"/> still allowed to.</summary>
    private static async Task<List<JsonObject>> ListAllAsync(params HttpClient[] clients)
    {
        foreach (var client in clients)
        {
            using var response = await client.GetAsync("api/accounts?limit=200");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return [.. (await response.JsonAsync())["items"]!.AsArray().Select(item => item!.AsObject())];
            }
        }
        throw new InvalidOperationException("No client could list the accounts.");
    }

    private static HttpClient ClientOn(WebApplicationFactory<Program> frontend, TestTenants.Tenant tenant) =>
        frontend.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri($"http://{tenant.Domain}/"), AllowAutoRedirect = false });

    private static HttpClient WithToken(HttpClient client, string token)
    {
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }

    private static async Task<HttpStatusCode> StatusAsync(Task<HttpResponseMessage> request)
    {
        using var response = await request;
        return response.StatusCode;
    }
}
