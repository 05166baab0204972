using Microsoft.Playwright;
using TenantChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TenantChat.Tests.Browser;

/// <summary>The operator's data rights in the console: a tenant's export as a file, and its deletion after a confirmation.</summary>
[Collection(BrowserCollection.Name)]
public sealed class OperatorDataBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Operator_exports_a_tenant_as_a_file_then_deletes_it_and_its_page_is_gone()
    {
        var tenant = await fixture.CreateTenantAsync("Tenant to export and delete");
        using (var chat = await tenant.Client.ChatAsync("Remember this exchange"))
        {
            chat.EnsureSuccessStatusCode();
        }
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.Url("operator.test", "/operator"));
        await page.GetByLabel("Operator key").FillAsync(ClusterFixture.OperatorKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByLabel("Search tenants")).ToBeFocusedAsync();
        await page.GetByLabel("Search tenants").FillAsync(tenant.Domain);

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = $"Export {tenant.Domain}" }).ClickAsync());
        Assert.Equal($"{tenant.Domain}.jsonl", download.SuggestedFilename);
        var lines = await File.ReadAllLinesAsync((await download.PathAsync())!);
        Assert.Contains(lines, line => line.Contains("Remember this exchange", StringComparison.Ordinal));
        Assert.All(lines, line => Assert.StartsWith("{", line, StringComparison.Ordinal));

        var confirmations = new List<string>();
        page.Dialog += (_, dialog) =>
        {
            confirmations.Add(dialog.Message);
            dialog.AcceptAsync();
        };
        await page.GetByRole(AriaRole.Button, new() { Name = $"Delete {tenant.Domain}" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync($"{tenant.Domain} is deleted.");
        Assert.Contains(tenant.Domain, Assert.Single(confirmations), StringComparison.Ordinal);
        await Expect(page.Locator("#tenant-rows tr")).ToHaveCountAsync(0);

        var visitor = await fixture.NewPageAsync();
        var response = await visitor.GotoAsync(fixture.Url(tenant.Domain));
        Assert.Equal(404, response!.Status);
    }
}
