using Microsoft.Playwright;
using TenantChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TenantChat.Tests.Browser;

/// <summary>A visitor handed to a person: the tenant's user answers in the console, the visitor sees it live.</summary>
[Collection(BrowserCollection.Name)]
public sealed class HandoffBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Visitor_asks_for_a_person_a_tenant_user_replies_in_the_console_and_the_visitor_sees_it_without_reload()
    {
        var tenant = await fixture.CreateShowcaseTenantAsync("handoff-acme", "Acme Outfitters", "Handoff tenant", customize: body =>
            body["handoff_phrase"] = "talk to a person");

        var visitor = await fixture.NewPageAsync();
        await visitor.GotoAsync(fixture.Url(tenant.Domain));
        await SendAsync(visitor, "Where is my parcel?");
        await Expect(visitor.Locator(".tc-assistant .tc-text")).ToContainTextAsync("question.");
        await SendAsync(visitor, "Please, I want to talk to a person.");
        await Expect(visitor.GetByText("A person will answer here.")).ToBeVisibleAsync();

        var console = await fixture.SignInToConsoleAsync(tenant.Domain, ShowcaseTenants.AdminEmail("handoff-acme"));
        await console.GetByRole(AriaRole.Button, new() { Name = "Conversations" }).ClickAsync();
        await console.GetByLabel("Status").SelectOptionAsync("needs_human");
        await Expect(console.Locator("#conversation-rows tr")).ToHaveCountAsync(1);
        await console.Locator("#conversation-rows button").ClickAsync();
        await Expect(console.Locator("#transcript")).ToContainTextAsync("I want to talk to a person.");
        await console.GetByLabel("Your reply").FillAsync("Hello, this is Sam. Your parcel left today.");
        await console.GetByRole(AriaRole.Button, new() { Name = "Send reply" }).ClickAsync();
        await Expect(console.Locator("#transcript")).ToContainTextAsync("this is Sam");
        await BrowserFixture.ScreenshotAsync(console, "console-conversations");

        // No reload: the visitor's page polls the conversation while a person has it.
        await Expect(visitor.Locator(".tc-agent .tc-text")).ToHaveTextAsync("Hello, this is Sam. Your parcel left today.");
        await BrowserFixture.ScreenshotAsync(visitor, "chat-handoff");

        // A reload keeps the conversation.
        await visitor.ReloadAsync();
        await Expect(visitor.Locator(".tc-user .tc-text").First).ToHaveTextAsync("Where is my parcel?");
        await Expect(visitor.Locator(".tc-agent .tc-text")).ToHaveTextAsync("Hello, this is Sam. Your parcel left today.");
        await Expect(visitor.GetByText("A person will answer here.")).ToBeVisibleAsync();

        // Closing it in the console ends the handoff on the visitor's page.
        await console.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await Expect(console.Locator("#transcript-title")).ToHaveTextAsync("Transcript (closed)");
        await Expect(visitor.GetByText("A person will answer here.")).ToBeHiddenAsync();
    }

    private static async Task SendAsync(IPage page, string prompt)
    {
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeEnabledAsync();
        await page.GetByLabel("Your message").FillAsync(prompt);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
    }
}
