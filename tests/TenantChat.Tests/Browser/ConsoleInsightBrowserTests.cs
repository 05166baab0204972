using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using TenantChat.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace TenantChat.Tests.Browser;

/// <summary>What the console shows of the tenant's use: the per-day bars, and the knowledge a system preview would include.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleInsightBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Usage_chart_draws_a_bar_per_day_with_its_tokens_and_heights_in_proportion()
    {
        const string label = "daily-acme";
        var tenant = await fixture.CreateShowcaseTenantAsync(label, "Acme Outfitters", "Daily usage tenant");
        var (yesterdayId, yesterdayTokens) = await ChatAsync(tenant, "Hi");
        var (_, todayTokens) = await ChatAsync(tenant, "Could you tell me, in some detail, how long a parcel to Lisbon usually takes?");
        Assert.NotEqual(yesterdayTokens, todayTokens);
        // The first answer becomes yesterday's: the daily rollup reads the stored messages' times.
        await using (var move = fixture.Database.CreateCommand("update chat_messages set created_at = created_at - interval '1 day' where id = @id"))
        {
            move.Parameters.AddWithValue("id", yesterdayId);
            Assert.Equal(1, await move.ExecuteNonQueryAsync());
        }
        // A budget of exactly what was used puts the budget line at the top: the bars are then in scale with each other.
        using (var operatorClient = fixture.OperatorClient())
        using (var patch = await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new JsonObject { ["token_limit"] = yesterdayTokens + todayTokens }))
        {
            patch.EnsureSuccessStatusCode();
        }

        var page = await fixture.SignInToConsoleAsync(tenant.Domain, ShowcaseTenants.AdminEmail(label));
        await Expect(page.Locator("#usage-chart rect.cn-bar")).ToHaveCountAsync(14);
        var bars = await page.Locator("#usage-chart rect.cn-bar").EvaluateAllAsync<DrawnBar[]>(
            "bars => bars.map(b => ({ Title: b.querySelector('title').textContent, Height: Number(b.getAttribute('height')) }))");
        var today = DateTime.UtcNow;
        var todayHeight = Assert.Single(bars, bar => bar.Title == $"{today:MM-dd}: {todayTokens}").Height;
        var yesterdayHeight = Assert.Single(bars, bar => bar.Title == $"{today.AddDays(-1):MM-dd}: {yesterdayTokens}").Height;
        Assert.Equal(2, bars.Count(bar => bar.Height > 0));
        Assert.Equal((double)todayTokens / yesterdayTokens, todayHeight / yesterdayHeight, 0.05);
        Assert.Equal(180.0 * todayTokens / (yesterdayTokens + todayTokens), todayHeight, 1.0); // the plot is 180 units high
    }

    [Fact]
    public async Task System_preview_lists_the_knowledge_sources_it_would_include()
    {
        const string label = "preview-acme";
        var tenant = await fixture.CreateShowcaseTenantAsync(label, "Acme Outfitters", "Preview tenant", customize: body =>
            body["knowledge"] = new JsonObject { ["enabled"] = true });
        using (var admin = await fixture.SignedInClientAsync(tenant, ShowcaseTenants.AdminEmail(label), ShowcaseTenants.AdminPassword))
        using (var item = await admin.PostAsJsonAsync("api/customer-data", new { title = "Resetting your password", content = "Open Settings, choose Reset password and follow the mail. Code PWD-7731." }))
        {
            item.EnsureSuccessStatusCode();
        }

        var page = await fixture.SignInToConsoleAsync(tenant.Domain, ShowcaseTenants.AdminEmail(label));
        await page.GetByRole(AriaRole.Button, new() { Name = "Settings" }).ClickAsync();
        var sources = page.Locator("#preview-sources");
        // The item is indexed within 5 seconds of its creation (contract section 10).
        for (var attempt = 0; attempt < 20 && !(await sources.TextContentAsync() ?? "").Contains("Resetting your password", StringComparison.Ordinal); attempt++)
        {
            await page.GetByLabel("Visitor's question").FillAsync("How do I reset my password? PWD-7731");
            await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
            await page.WaitForTimeoutAsync(500);
        }
        await Expect(page.GetByRole(AriaRole.List, new() { Name = "Knowledge it would use" })).ToContainTextAsync("Resetting your password");
        await Expect(page.Locator("#preview")).ToContainTextAsync("PWD-7731");
        Assert.Empty(await Accessibility.SeriousViolationsAsync(page, fixture.AxeSource, "#settings"));
    }

    /// <summary>One bar as drawn: its tooltip ("MM-DD: tokens") and its height in the chart's units.</summary>
    public sealed class DrawnBar
    {
        public string Title { get; set; } = "";

        public double Height { get; set; }
    }

    private static async Task<(Guid Id, long Tokens)> ChatAsync(TestTenants.Tenant tenant, string prompt)
    {
        using var chat = await tenant.Client.ChatAsync(prompt);
        chat.EnsureSuccessStatusCode();
        var body = await chat.JsonAsync();
        return (body["id"]!.GetValue<Guid>(), body["usage"]!["total_tokens"]!.GetValue<long>());
    }
}
