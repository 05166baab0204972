using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using TenantChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TenantChat.Tests.Browser;

/// <summary>Knowledge from the console reaching the visitor's answers, with its sources shown.</summary>
[Collection(BrowserCollection.Name)]
public sealed class KnowledgeBrowserTests(BrowserFixture fixture)
{
    private const string Password = "admin password 123";

    [Fact]
    public async Task Admin_uploads_a_file_and_the_visitor_next_answer_cites_it()
    {
        var email = $"admin-{Guid.NewGuid():N}@example.test";
        var tenant = await fixture.CreateTenantAsync("Knowledge tenant", customize: body =>
        {
            body["knowledge"] = new JsonObject { ["enabled"] = true };
            body["admin_email"] = email;
            body["admin_password"] = Password;
        });

        var console = await fixture.NewPageAsync();
        await console.GotoAsync(fixture.Url(tenant.Domain, "/console"));
        await console.GetByLabel("Email").FillAsync(email);
        await console.GetByLabel("Password").FillAsync(Password);
        await console.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await console.GetByRole(AriaRole.Button, new() { Name = "Knowledge" }).ClickAsync();
        await console.GetByLabel("Upload .txt or .md files").SetInputFilesAsync(new FilePayload
        {
            Name = "returns-policy.md", MimeType = "text/markdown",
            Buffer = Encoding.UTF8.GetBytes("# Returns policy\nReturns are accepted within 45 days with the receipt code RET-9981."),
        });
        await Expect(console.Locator("#item-rows")).ToContainTextAsync("RET-9981");

        // Search as the assistant would, until the new item is indexed (the contract allows 5 seconds).
        var results = console.Locator("#knowledge-results");
        for (var attempt = 0; attempt < 20 && !(await results.TextContentAsync() ?? "").Contains("returns-policy", StringComparison.Ordinal); attempt++)
        {
            await console.GetByLabel("Search as the assistant would").FillAsync("RET-9981 returns policy");
            await console.GetByRole(AriaRole.Button, new() { Name = "Search", Exact = true }).ClickAsync();
            await console.WaitForTimeoutAsync(500);
        }
        await Expect(results).ToContainTextAsync("returns-policy");

        var visitor = await fixture.NewPageAsync();
        await visitor.GotoAsync(fixture.Url(tenant.Domain));
        await visitor.GetByLabel("Your message").FillAsync("What is the returns policy for receipt code RET-9981?");
        await visitor.Keyboard.PressAsync("Enter");
        await Expect(visitor.Locator(".tc-assistant .tc-sources")).ToContainTextAsync("returns-policy");
        await BrowserFixture.ScreenshotAsync(visitor, "chat-sources");
    }
}
