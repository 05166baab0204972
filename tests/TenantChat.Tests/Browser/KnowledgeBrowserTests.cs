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
    [Fact]
    public async Task Admin_uploads_a_file_and_the_visitor_next_answer_cites_it()
    {
        var tenant = await fixture.CreateShowcaseTenantAsync("knowledge-acme", "Acme Outfitters", "Knowledge tenant", customize: body =>
            body["knowledge"] = new JsonObject { ["enabled"] = true });

        var console = await fixture.SignInToConsoleAsync(tenant.Domain, ShowcaseTenants.AdminEmail("knowledge-acme"));
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
