using System.Text.Json.Nodes;
using Microsoft.Playwright;
using TenantChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TenantChat.Tests.Browser;

/// <summary>
/// Tenants whose every displayed text is fixed (name, domain, system prompt, first admin's email), for the tests
/// that take the README's screenshots: a re-run draws the same pixels when nothing changed. Each label is used by
/// one test only; the browser collection's database is fresh on every run.
/// </summary>
public static class ShowcaseTenants
{
    public const string AdminPassword = "admin password 123";

    public static string AdminEmail(string label) => $"admin@{label}.test";

    /// <summary>A tenant on <c>LABEL.test</c> named <paramref name="name"/>, with a first admin unless <paramref name="withAdmin"/> is false.</summary>
    public static async Task<TestTenants.Tenant> CreateShowcaseTenantAsync(this BrowserFixture fixture, string label, string name, string systemPrompt,
        long tokenLimit = 1_000_000, bool withAdmin = true, Action<JsonObject>? customize = null)
    {
        var tenant = await fixture.CreateTenantAsync(systemPrompt, tokenLimit, body =>
        {
            body["name"] = name;
            body["domain"] = $"{label}.test";
            body["system_prompt"] = systemPrompt;
            if (withAdmin)
            {
                body["admin_email"] = AdminEmail(label);
                body["admin_password"] = AdminPassword;
            }
            customize?.Invoke(body);
        });
        return tenant with { SystemPrompt = systemPrompt };
    }

    /// <summary>Opens the tenant's console and signs in; returns once the console shows who is signed in.</summary>
    public static async Task<IPage> SignInToConsoleAsync(this BrowserFixture fixture, string domain, string email, string password = AdminPassword)
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.Url(domain, "/console"));
        await page.GetByLabel("Email", new() { Exact = true }).FillAsync(email);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.Locator("#who")).ToContainTextAsync(email);
        return page;
    }
}
