using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using TenantChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TenantChat.Tests.Browser;

/// <summary>The visitor's page names its tenant, and nothing else of it or of any other tenant.</summary>
[Collection(BrowserCollection.Name)]
public sealed class VisitorPageBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Visitor_page_shows_its_own_tenant_name_as_text_and_nothing_of_another_tenant()
    {
        var tenant = await fixture.CreateTenantAsync("The secret system parameter of the bistro", customize: body => body["name"] = "Bistro <Verde> & Co");
        var other = await fixture.CreateTenantAsync("The other tenant's system parameter", customize: body => body["name"] = "Hardware Hut");

        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.Url(tenant.Domain));
        await Expect(page.Locator(".tc-tenant")).ToHaveTextAsync("Bistro <Verde> & Co");
        await Expect(page).ToHaveTitleAsync("Bistro <Verde> & Co: chat");
        await Expect(page.Locator("verde")).ToHaveCountAsync(0); // the name is text, never markup
        var html = await page.ContentAsync();
        Assert.DoesNotContain(tenant.SystemPrompt, html, StringComparison.Ordinal);
        Assert.DoesNotContain("Hardware Hut", html, StringComparison.Ordinal);
        Assert.DoesNotContain(other.SystemPrompt, html, StringComparison.Ordinal);
        Assert.Empty(await Accessibility.SeriousViolationsAsync(page, fixture.AxeSource));

        // A renamed tenant's page says the new name at once (the page's validator changes with it).
        using (var operatorClient = fixture.OperatorClient())
        using (var rename = await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new JsonObject { ["name"] = "Bistro Verde" }))
        {
            rename.EnsureSuccessStatusCode();
        }
        await page.ReloadAsync();
        await Expect(page.Locator(".tc-tenant")).ToHaveTextAsync("Bistro Verde");

        var otherPage = await fixture.NewPageAsync();
        await otherPage.GotoAsync(fixture.Url(other.Domain));
        await Expect(otherPage.Locator(".tc-tenant")).ToHaveTextAsync("Hardware Hut");
        Assert.DoesNotContain("Bistro", await otherPage.ContentAsync(), StringComparison.Ordinal);
    }
}
