using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using TenantChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TenantChat.Tests.Browser;

/// <summary>The tenant admin's sections of the console (accounts, modules, alerts, audit), and a member's console without them.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleAdminBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Admin_creates_promotes_disables_and_deletes_accounts_and_the_audit_names_who_did_it()
    {
        const string label = "accounts-acme";
        var admin = ShowcaseTenants.AdminEmail(label);
        var tenant = await fixture.CreateShowcaseTenantAsync(label, "Acme Outfitters", "Accounts tenant");
        var page = await fixture.SignInToConsoleAsync(tenant.Domain, admin);
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Accounts" }).ClickAsync();
        await Expect(page.Locator($"#account-rows tr[data-email='{admin}']")).ToContainTextAsync("admin");

        const string sam = "sam@accounts-acme.test";
        await CreateAccountAsync(page, sam, "Sam Agent", "member");
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"{sam} can sign in now, as member.");
        var samRow = page.Locator($"#account-rows tr[data-email='{sam}']");
        await Expect(samRow).ToContainTextAsync("Sam Agent");
        await Expect(samRow.Locator("td").Nth(2)).ToHaveTextAsync("member");

        await page.GetByRole(AriaRole.Button, new() { Name = $"Make admin: {sam}" }).ClickAsync();
        await Expect(samRow.Locator("td").Nth(2)).ToHaveTextAsync("admin");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Disable {sam}" }).ClickAsync();
        await Expect(samRow.Locator(".cn-badge")).ToHaveTextAsync("disabled");

        const string lee = "lee@accounts-acme.test";
        await CreateAccountAsync(page, lee, "Lee Temp", "admin");
        await Expect(page.Locator($"#account-rows tr[data-email='{lee}'] td").Nth(2)).ToHaveTextAsync("admin");
        await BrowserFixture.ScreenshotAsync(page, "console-accounts");
        Assert.Empty(await Accessibility.SeriousViolationsAsync(page, fixture.AxeSource));
        await page.GetByRole(AriaRole.Button, new() { Name = $"Delete {lee}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"{lee} is deleted.");
        await Expect(page.Locator("#account-rows tr")).ToHaveCountAsync(2);

        // The API agrees with the page: Sam is a disabled admin who cannot sign in, Lee is gone.
        using var operatorView = await fixture.SignedInClientAsync(tenant, admin, ShowcaseTenants.AdminPassword);
        var accounts = (await operatorView.GetFromJsonAsync<JsonObject>("api/accounts"))!["items"]!.AsArray();
        var samAccount = Assert.Single(accounts, a => a!["email"]!.GetValue<string>() == sam)!;
        Assert.Equal("admin", samAccount["role"]!.GetValue<string>());
        Assert.Equal("disabled", samAccount["status"]!.GetValue<string>());
        Assert.DoesNotContain(accounts, a => a!["email"]!.GetValue<string>() == lee);
        using var samSignIn = await tenant.Client.PostAsJsonAsync("api/accounts/token", new { email = sam, password = "initial password 1" });
        Assert.NotEqual(HttpStatusCode.OK, samSignIn.StatusCode);

        // The audit shows the admin's own changes, naming the admin (by email) and the account changed.
        await page.GetByRole(AriaRole.Button, new() { Name = "Audit" }).ClickAsync();
        var changedSam = page.Locator("#audit-rows tr", new() { HasText = "account.changed" }).Filter(new() { HasText = sam });
        await Expect(changedSam).ToHaveCountAsync(2); // made admin, then disabled
        await Expect(changedSam.First).ToContainTextAsync(admin);
        await Expect(changedSam.Last).ToContainTextAsync(admin);
        await Expect(page.Locator("#audit-rows tr", new() { HasText = "account.deleted" })).ToContainTextAsync(admin);
        Assert.Empty(await Accessibility.SeriousViolationsAsync(page, fixture.AxeSource));
    }

    [Fact]
    public async Task Admin_edits_modules_and_alerts_and_the_webhook_secret_is_shown_only_once()
    {
        const string label = "modules-acme";
        var tenant = await fixture.CreateShowcaseTenantAsync(label, "Acme Outfitters", "Modules tenant");
        var page = await fixture.SignInToConsoleAsync(tenant.Domain, ShowcaseTenants.AdminEmail(label));
        await page.GetByRole(AriaRole.Button, new() { Name = "Settings" }).ClickAsync();
        await Expect(page.Locator("#module-rows")).ToContainTextAsync("No modules yet.");

        await page.GetByLabel("Key", new() { Exact = true }).FillAsync("returns");
        await page.GetByLabel("Module prompt").FillAsync("Refunds reach the card within five days.");
        await page.GetByLabel("Priority").FillAsync("5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add module" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Saved module returns; the next answer uses it.");
        await Expect(page.Locator("#module-rows tr[data-key='returns']")).ToContainTextAsync("yes");
        await PreviewAsync(page);
        await Expect(page.Locator("#preview")).ToContainTextAsync("Refunds reach the card within five days.");

        await page.GetByRole(AriaRole.Button, new() { Name = "Edit module returns" }).ClickAsync();
        await page.GetByLabel("Active", new() { Exact = true }).UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save module" }).ClickAsync();
        await Expect(page.Locator("#module-rows tr[data-key='returns']")).ToContainTextAsync("no");
        await PreviewAsync(page);
        await Expect(page.Locator("#preview")).Not.ToContainTextAsync("Refunds reach the card");

        await page.GetByLabel("Webhook URL").FillAsync("http://127.0.0.1:9/acme-hooks");
        await page.GetByLabel("Thresholds (%)").FillAsync("50, 90");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save alerts" }).ClickAsync();
        await Expect(page.Locator("#alerts-secret-box")).ToBeVisibleAsync();
        var secret = (await page.Locator("#alerts-secret").TextContentAsync())!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Empty(await Accessibility.SeriousViolationsAsync(page, fixture.AxeSource, "#settings"));

        using var admin = await fixture.SignedInClientAsync(tenant, ShowcaseTenants.AdminEmail(label), ShowcaseTenants.AdminPassword);
        var settings = (await admin.GetFromJsonAsync<JsonObject>("api/tenant"))!;
        Assert.Equal("http://127.0.0.1:9/acme-hooks", settings["alerts"]!["webhook_url"]!.GetValue<string>());
        Assert.Equal([50, 90], settings["alerts"]!["thresholds"]!.AsArray().Select(t => t!.GetValue<int>()));
        Assert.Null(settings["webhook_secret"]);
        var module = Assert.Single(settings["modules"]!.AsArray())!;
        Assert.Equal(5, module["priority"]!.GetValue<int>());
        Assert.False(module["active"]!.GetValue<bool>());

        // Never again: not after a reload, nor after a change that keeps the URL.
        await page.ReloadAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Settings" }).ClickAsync();
        await Expect(page.GetByLabel("Webhook URL")).ToHaveValueAsync("http://127.0.0.1:9/acme-hooks");
        await Expect(page.Locator("#alerts-secret-box")).ToBeHiddenAsync();
        await page.GetByLabel("Thresholds (%)").FillAsync("80");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save alerts" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Alerts saved.");
        await Expect(page.Locator("#alerts-secret-box")).ToBeHiddenAsync();
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Button, new() { Name = "Turn alerts off" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Alerts are off.");
        Assert.Null((await admin.GetFromJsonAsync<JsonObject>("api/tenant"))!["alerts"]);
    }

    [Fact]
    public async Task A_member_sees_no_admin_section_and_the_api_refuses_them_anyway()
    {
        var tenant = await fixture.CreateShowcaseTenantAsync("member-acme", "Acme Outfitters", "Member tenant");
        const string member = "kim@member-acme.test";
        using var memberClient = await fixture.SignedInClientAsync(tenant, member, "member password 123");
        var page = await fixture.SignInToConsoleAsync(tenant.Domain, member, "member password 123");
        await Expect(page.Locator("#who")).ToContainTextAsync("(member)");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Usage" })).ToBeVisibleAsync();
        foreach (var section in new[] { "Settings", "Accounts", "Audit" })
        {
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = section })).ToHaveCountAsync(0);
        }

        using var list = await memberClient.GetAsync("api/accounts");
        using var audit = await memberClient.GetAsync("api/tenant/audit");
        using var change = await memberClient.PutAsJsonAsync("api/tenant/settings", new JsonObject { ["modules"] = new JsonArray() });
        Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, audit.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, change.StatusCode);
    }

    [Fact]
    public async Task Keyboard_alone_opens_accounts_and_creates_one()
    {
        const string label = "keyboard-acme";
        var tenant = await fixture.CreateShowcaseTenantAsync(label, "Acme Outfitters", "Keyboard console tenant");
        var page = await fixture.SignInToConsoleAsync(tenant.Domain, ShowcaseTenants.AdminEmail(label));
        await TabToAsync(page, "Accounts");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Accounts", Exact = true })).ToBeVisibleAsync();

        await TabToAsync(page, "New account's email");
        await page.Keyboard.TypeAsync("ria@keyboard-acme.test");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("Ria");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync("keyboard password 1");
        await page.Keyboard.PressAsync("Tab"); // the role stays member
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Create account", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("ria@keyboard-acme.test can sign in now, as member.");
        await Expect(page.Locator("#account-rows tr[data-email='ria@keyboard-acme.test']")).ToContainTextAsync("member");
    }

    /// <summary>Presses Tab until the focused element's accessible label or text is <paramref name="name"/> (at most 40 times).</summary>
    private static async Task TabToAsync(IPage page, string name)
    {
        const string focused = "() => { const e = document.activeElement; return (e.labels && e.labels[0] ? e.labels[0].textContent : e.getAttribute('aria-label') || e.textContent || '').trim(); }";
        for (var presses = 0; presses < 40 && await page.EvaluateAsync<string>(focused) != name; presses++)
        {
            await page.Keyboard.PressAsync("Tab");
        }
        Assert.Equal(name, await page.EvaluateAsync<string>(focused));
    }

    private static async Task CreateAccountAsync(IPage page, string email, string name, string role)
    {
        await page.GetByLabel("New account's email").FillAsync(email);
        await page.GetByLabel("Display name").FillAsync(name);
        await page.GetByLabel("Initial password").FillAsync("initial password 1");
        await page.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync(role);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
    }

    private static async Task PreviewAsync(IPage page)
    {
        await page.GetByLabel("Visitor's question").FillAsync("Where is my refund?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(page.Locator("#preview")).ToBeVisibleAsync();
    }
}
