using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using TenantChat.Fakes;
using TenantChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TenantChat.Tests.Browser;

/// <summary>The operator console and the tenant console, in a real browser against the real cluster.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleBrowserTests(BrowserFixture fixture)
{
    private const string AdminPassword = ShowcaseTenants.AdminPassword;

    [Fact]
    public async Task Operator_creates_a_tenant_and_suspends_it_and_its_page_then_shows_the_suspension()
    {
        const string domain = "shop-made-in-the-browser.test";
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.Url("operator.test", "/operator"));

        await page.GetByLabel("Operator key").FillAsync("not the key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("That operator key is not valid.");

        await page.GetByLabel("Operator key").FillAsync(ClusterFixture.OperatorKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Signed in once the list is shown (and the search box has taken the focus).
        await Expect(page.GetByLabel("Search tenants")).ToBeFocusedAsync();
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("Shop made in the browser");
        await page.GetByLabel("Domain").FillAsync(domain);
        await page.GetByLabel("Token budget").FillAsync("5000");
        await page.GetByLabel("System prompt").FillAsync("Be brief.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create tenant" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"{domain} is created.");

        var visitor = await fixture.NewPageAsync();
        await visitor.GotoAsync(fixture.Url(domain));
        await Expect(visitor.GetByLabel("Your message")).ToBeVisibleAsync();

        await page.GetByLabel("Search tenants").FillAsync(domain);
        await Expect(page.Locator("#tenant-rows tr")).ToHaveCountAsync(1);
        await page.GetByRole(AriaRole.Button, new() { Name = $"Suspend {domain}" }).ClickAsync();
        await Expect(page.Locator($"tr[data-domain='{domain}'] .cn-badge")).ToHaveTextAsync("suspended");
        await BrowserFixture.ScreenshotAsync(page, "operator", "#tenant-count");

        var response = await visitor.GotoAsync(fixture.Url(domain));
        Assert.Equal(403, response!.Status);
        await Expect(visitor.GetByRole(AriaRole.Heading)).ToHaveTextAsync("This chat is suspended");

        // The key was held in memory only.
        var kept = await page.EvaluateAsync<string>("() => location.href + JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie");
        Assert.DoesNotContain(ClusterFixture.OperatorKey, kept, StringComparison.Ordinal);
        Assert.Empty(await Accessibility.SeriousViolationsAsync(page, fixture.AxeSource));
    }

    [Fact]
    public async Task Tenant_user_sees_usage_with_a_chart_and_the_history_of_answers()
    {
        var (tenant, email) = await TenantWithAdminAsync("console-usage", "Acme Outfitters", "You answer questions about Acme's orders.", tokenLimit: 2000);
        using var chat = await tenant.Client.ChatAsync("What does shipping cost?");
        chat.EnsureSuccessStatusCode();
        var tokens = (await chat.JsonAsync())["usage"]!["total_tokens"]!.GetValue<long>();

        var page = await SignInAsync(tenant, email);
        await Expect(page.Locator("#usage-figures")).ToContainTextAsync(tokens.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Tokens per day against the budget" })).ToBeVisibleAsync();
        Assert.True(await page.Locator("#usage-chart rect.cn-bar").CountAsync() >= 1);
        await BrowserFixture.ScreenshotAsync(page, "console-usage");

        await page.GetByRole(AriaRole.Button, new() { Name = "History" }).ClickAsync();
        await Expect(page.Locator("#history-rows")).ToContainTextAsync("What does shipping cost?");
        Assert.Empty(await Accessibility.SeriousViolationsAsync(page, fixture.AxeSource));
    }

    [Fact]
    public async Task Admin_changes_the_persona_in_the_console_and_the_next_visitor_answer_follows_the_preview()
    {
        var (tenant, email) = await TenantWithAdminAsync("console-settings", "Acme Outfitters", "Before the change");
        var page = await SignInAsync(tenant, email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Settings" }).ClickAsync();
        await Expect(page.GetByLabel("System prompt")).ToHaveValueAsync(tenant.SystemPrompt);
        await page.GetByLabel("Assistant's name").FillAsync("Ava");
        await page.GetByLabel("Tone").SelectOptionAsync("friendly");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save settings" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("Settings saved; the next answer uses them.");

        await page.GetByLabel("Visitor's question").FillAsync("Who are you now?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Expect(page.Locator("#preview")).ToContainTextAsync("Ava");
        var system = (await page.Locator("#preview").TextContentAsync())!;
        Assert.Contains(tenant.SystemPrompt, system, StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "console-settings");

        var visitor = await fixture.NewPageAsync();
        await visitor.GotoAsync(fixture.Url(tenant.Domain));
        await visitor.GetByLabel("Your message").FillAsync("Who are you now?");
        await visitor.Keyboard.PressAsync("Enter");
        // The fake upstream answers with a digest of the system parameter it received: the previewed one.
        await Expect(visitor.Locator(".tc-assistant .tc-text")).ToContainTextAsync(FakeUpstream.VoiceOf(system));
        var visitorHtml = await visitor.ContentAsync();
        Assert.DoesNotContain(tenant.SystemPrompt, visitorHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("Ava", visitorHtml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tenant_user_adds_uploads_edits_and_deletes_knowledge_in_the_console()
    {
        var (tenant, email) = await TenantWithAdminAsync("console-knowledge", "Acme Outfitters", "Knowledge console tenant");
        var page = await SignInAsync(tenant, email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Knowledge" }).ClickAsync();

        await page.GetByLabel("Title").FillAsync("Returns");
        await page.GetByLabel("Content").FillAsync("Returns are free within 30 days.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add" }).ClickAsync();
        await Expect(page.Locator("#item-rows")).ToContainTextAsync("Returns are free within 30 days.");

        await page.GetByLabel("Upload .txt or .md files").SetInputFilesAsync(new FilePayload
        {
            Name = "shipping.md", MimeType = "text/markdown", Buffer = Encoding.UTF8.GetBytes("# Shipping\nSKU-4471 ships in two days."),
        });
        await Expect(page.Locator("#item-rows")).ToContainTextAsync("SKU-4471 ships in two days.");

        await page.GetByRole(AriaRole.Button, new() { Name = "Edit Returns" }).ClickAsync();
        await page.GetByLabel("Content").FillAsync("Returns are free within 60 days.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save", Exact = true }).ClickAsync();
        await Expect(page.Locator("#item-rows")).ToContainTextAsync("60 days");
        await BrowserFixture.ScreenshotAsync(page, "console-knowledge");

        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete shipping" }).ClickAsync();
        await Expect(page.Locator("#item-rows tr")).ToHaveCountAsync(1);

        using var admin = await fixture.SignedInClientAsync(tenant, email, AdminPassword);
        var items = (await admin.GetFromJsonAsync<JsonObject>("api/customer-data"))!["items"]!.AsArray();
        var only = Assert.Single(items);
        Assert.Equal("Returns are free within 60 days.", only!["content"]!.GetValue<string>());
    }

    private async Task<(TestTenants.Tenant Tenant, string Email)> TenantWithAdminAsync(string label, string name, string systemPrompt, long tokenLimit = 1_000_000) =>
        (await fixture.CreateShowcaseTenantAsync(label, name, systemPrompt, tokenLimit), ShowcaseTenants.AdminEmail(label));

    private Task<IPage> SignInAsync(TestTenants.Tenant tenant, string email) => fixture.SignInToConsoleAsync(tenant.Domain, email);
}
