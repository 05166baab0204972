using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using TenantChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TenantChat.Tests.Browser;

/// <summary>The operator console's usage across tenants and its cluster health, per silo.</summary>
[Collection(BrowserCollection.Name)]
public sealed class OperatorViewsBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Operator_sees_usage_with_cost_across_tenants_and_for_one_tenant()
    {
        var acme = await fixture.CreateShowcaseTenantAsync("usage-acme", "Acme Outfitters", "Operator usage tenant", withAdmin: false);
        var other = await fixture.CreateTenantAsync("Another tenant with usage");
        var acmeTokens = await ChatTokensAsync(acme, "Where is my order?") + await ChatTokensAsync(acme, "And when does it arrive in Porto?");
        var otherTokens = await ChatTokensAsync(other, "Hello there");

        var page = await SignInAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Usage", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Tokens per day, all tenants" })).ToBeVisibleAsync();
        var allTokens = long.Parse((await Figure(page, "Tokens").TextContentAsync())!, CultureInfo.InvariantCulture);
        Assert.True(allTokens >= acmeTokens + otherTokens, $"all tenants {allTokens} < {acmeTokens} + {otherTokens}");

        // By tenant: this period's tokens of each, the heaviest first; "Per day" opens that tenant's days.
        var acmeRow = page.Locator("#by-tenant-rows tr[data-domain='usage-acme.test']");
        await Expect(acmeRow.Locator("td").Nth(2)).ToHaveTextAsync(acmeTokens.ToString(CultureInfo.InvariantCulture));
        await Expect(page.Locator($"#by-tenant-rows tr[data-domain='{other.Domain}'] td").Nth(4)).ToHaveTextAsync("1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Usage per day of usage-acme.test" }).ClickAsync();
        await Expect(page.GetByLabel("Tenant", new() { Exact = true })).ToHaveValueAsync(acme.Id.ToString());
        await Expect(page.Locator("#by-tenant-box")).ToBeHiddenAsync();
        Assert.Empty(await Accessibility.SeriousViolationsAsync(page, fixture.AxeSource));

        await page.GetByLabel("Tenant", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "Acme Outfitters (usage-acme.test)" });
        await Expect(page.GetByRole(AriaRole.Img, new() { Name = "Tokens per day, Acme Outfitters (usage-acme.test)" })).ToBeVisibleAsync();
        await Expect(Figure(page, "Tokens")).ToHaveTextAsync(acmeTokens.ToString(CultureInfo.InvariantCulture));
        await Expect(Figure(page, "Calls")).ToHaveTextAsync("2");

        // The cost is the database's, as the API reports it; the table has today's row for the tenant's model.
        using var operatorClient = fixture.OperatorClient();
        var rows = (await operatorClient.GetFromJsonAsync<JsonObject>($"api/admin/usage/daily?tenant_id={acme.Id}"))!["items"]!.AsArray();
        var cost = rows.Sum(row => row!["cost_usd"]!.GetValue<decimal>());
        Assert.True(cost > 0);
        await Expect(Figure(page, "Cost (USD)")).ToHaveTextAsync(cost.ToString("0.0000", CultureInfo.InvariantCulture));
        var today = page.Locator("#usage-rows tr").Filter(new() { HasText = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) });
        await Expect(today).ToContainTextAsync("openai");
        await Expect(today.Locator("td").Nth(3)).ToHaveTextAsync(acmeTokens.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(1, await page.Locator("#usage-chart rect.cn-bar[height]:not([height='0'])").CountAsync());
        await BrowserFixture.ScreenshotAsync(page, "operator-usage");
        Assert.Empty(await Accessibility.SeriousViolationsAsync(page, fixture.AxeSource));
    }

    [Fact]
    public async Task Operator_sees_each_silo_of_the_cluster_with_its_status()
    {
        var page = await SignInAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Cluster health" }).ClickAsync();
        await Expect(page.Locator("#readiness")).ToHaveTextAsync("Healthy");
        await Expect(page.Locator("#silo-rows tr[data-status='active']")).ToHaveCountAsync(2); // the test cluster's two silos
        await Expect(page.Locator("#silo-count")).ToHaveTextAsync("2 of 2 silos active");
        var addresses = await page.Locator("#silo-rows tr td:nth-child(2)").AllTextContentsAsync();
        Assert.Equal(2, addresses.Distinct().Count());
        Assert.All(addresses, address => Assert.StartsWith("127.0.0.1:", address, StringComparison.Ordinal));
        await BrowserFixture.ScreenshotAsync(page, "operator-health", "#silo-rows td:nth-child(2)");
        Assert.Empty(await Accessibility.SeriousViolationsAsync(page, fixture.AxeSource));
    }

    private static ILocator Figure(IPage page, string name) =>
        page.Locator("#usage-figures div").Filter(new() { Has = page.Locator($"dt:text-is('{name}')") }).Locator("dd");

    private async Task<IPage> SignInAsync()
    {
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.Url("operator.test", "/operator"));
        await page.GetByLabel("Operator key").FillAsync(ClusterFixture.OperatorKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByLabel("Search tenants")).ToBeFocusedAsync();
        return page;
    }

    private static async Task<long> ChatTokensAsync(TestTenants.Tenant tenant, string prompt)
    {
        using var chat = await tenant.Client.ChatAsync(prompt);
        chat.EnsureSuccessStatusCode();
        return (await chat.JsonAsync())["usage"]!["total_tokens"]!.GetValue<long>();
    }
}
