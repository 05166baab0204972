using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using TenantChat.Tests.Infrastructure;
using TenantChat.Fakes;
using static Microsoft.Playwright.Assertions;

namespace TenantChat.Tests.Browser;

/// <summary>A visitor on a tenant's chat page and on a site embedding its widget, in a real browser.</summary>
[Collection(BrowserCollection.Name)]
public sealed class VisitorChatBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public async Task Visitor_sees_the_answer_stream_in_on_the_tenant_chat_page()
    {
        var tenant = await fixture.CreateShowcaseTenantAsync("acme", "Acme Outfitters", "Helpful and slow [fake:drip=200]", withAdmin: false);
        var voice = FakeUpstream.VoiceOf(tenant.SystemPrompt);
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.Url(tenant.Domain));

        await page.GetByLabel("Your message").FillAsync("When are you open on Sundays?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();

        // Part of the answer is on screen while the rest is still being generated.
        var streaming = page.Locator(".tc-assistant.tc-streaming .tc-text");
        await Expect(streaming).ToContainTextAsync(voice);
        var partial = (await streaming.TextContentAsync())!.Trim();
        var answer = page.Locator(".tc-assistant .tc-text").Last;
        await Expect(answer).ToContainTextAsync("characters of question.");
        await Expect(page.Locator(".tc-streaming")).ToHaveCountAsync(0);
        var final = (await answer.TextContentAsync())!;
        Assert.StartsWith(partial, final, StringComparison.Ordinal);
        Assert.True(partial.Length < final.Trim().Length, $"'{partial}' was already the whole answer");

        await Expect(page.Locator(".tc-user .tc-text")).ToHaveTextAsync("When are you open on Sundays?");
        Assert.DoesNotContain(tenant.SystemPrompt, await page.ContentAsync(), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(page, "chat-page");
    }

    [Fact]
    public async Task Widget_answers_on_a_site_listed_in_widget_origins_and_not_on_another()
    {
        var tenant = await fixture.CreateShowcaseTenantAsync("widget-acme", "Acme Outfitters", "Widget tenant", withAdmin: false, customize: body =>
            body["widget_origins"] = new JsonArray(fixture.Site.Origin("shop-allowed.test")));
        var voice = FakeUpstream.VoiceOf(tenant.SystemPrompt);

        var allowed = await fixture.NewPageAsync();
        await allowed.GotoAsync(fixture.Site.PageUrl("shop-allowed.test", tenant.Domain));
        await SendThroughWidgetAsync(allowed, "Do you ship abroad?");
        await Expect(allowed.Locator(".tc-assistant .tc-text")).ToContainTextAsync(voice);
        // The shop's own CSS (serif, dark red text) does not reach into the widget.
        var font = await allowed.Locator(".tc-assistant .tc-text").EvaluateAsync<string>("e => getComputedStyle(e).fontFamily");
        Assert.DoesNotContain("serif", font.Replace("sans-serif", "", StringComparison.Ordinal), StringComparison.Ordinal);
        await BrowserFixture.ScreenshotAsync(allowed, "widget");

        var other = await fixture.NewPageAsync();
        await other.GotoAsync(fixture.Site.PageUrl("shop-other.test", tenant.Domain));
        await SendThroughWidgetAsync(other, "Do you ship abroad?");
        await Expect(other.GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
        await Expect(other.Locator(".tc-assistant")).ToHaveCountAsync(0);
        Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt));
    }

    [Fact]
    public async Task A_refused_call_shows_why_instead_of_an_answer()
    {
        var tenant = await fixture.CreateShowcaseTenantAsync("refusing-acme", "Acme Outfitters", "Tiny budget", tokenLimit: 1, withAdmin: false);
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.Url(tenant.Domain));

        await page.GetByLabel("Your message").FillAsync("Hello?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("This assistant has used its budget for now. Please try again later.");
        await Expect(page.Locator(".tc-assistant")).ToHaveCountAsync(0);
        await BrowserFixture.ScreenshotAsync(page, "chat-refusal");
    }

    [Fact]
    public async Task Keyboard_alone_reaches_the_message_box_and_sends()
    {
        var tenant = await fixture.CreateTenantAsync("Keyboard tenant");
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.Url(tenant.Domain));
        await page.EvaluateAsync("() => document.activeElement && document.activeElement.blur()");

        for (var presses = 0; presses < 6 && !(await FocusedIdAsync(page) ?? "").StartsWith("tc-input", StringComparison.Ordinal); presses++)
        {
            await page.Keyboard.PressAsync("Tab");
        }
        Assert.StartsWith("tc-input", await FocusedIdAsync(page), StringComparison.Ordinal);
        await page.Keyboard.TypeAsync("Is this reachable by keyboard?");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".tc-assistant .tc-text")).ToContainTextAsync(FakeUpstream.VoiceOf(tenant.SystemPrompt));

        // Tab from the box reaches the Send button, and Enter on it sends too.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Send" })).ToBeEnabledAsync();
        await page.Keyboard.TypeAsync("And the button?");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Send", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".tc-assistant")).ToHaveCountAsync(2);
    }

    [Fact]
    public async Task Chat_page_and_widget_have_no_serious_accessibility_violations()
    {
        var tenant = await fixture.CreateTenantAsync("Accessible tenant", customize: body =>
            body["widget_origins"] = new JsonArray(fixture.Site.Origin("shop-a11y.test")));
        var page = await fixture.NewPageAsync();
        await page.GotoAsync(fixture.Url(tenant.Domain));
        await page.GetByLabel("Your message").FillAsync("Hello");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".tc-assistant .tc-text")).ToContainTextAsync("question.");
        Assert.Empty(await Accessibility.SeriousViolationsAsync(page, fixture.AxeSource));

        var widget = await fixture.NewPageAsync();
        await widget.GotoAsync(fixture.Site.PageUrl("shop-a11y.test", tenant.Domain));
        await widget.GetByRole(AriaRole.Button, new() { Name = "Chat with us" }).ClickAsync();
        Assert.Empty(await Accessibility.SeriousViolationsAsync(widget, fixture.AxeSource, "[data-tenantchat-widget]"));
    }

    [Fact]
    public async Task Pages_carry_a_strict_content_security_policy_and_need_nothing_from_elsewhere()
    {
        var tenant = await fixture.CreateTenantAsync("CSP tenant");
        var page = await fixture.NewPageAsync();
        var foreign = new List<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(fixture.Url(tenant.Domain, ""), StringComparison.Ordinal))
            {
                foreign.Add(request.Url);
            }
        };
        var response = await page.GotoAsync(fixture.Url(tenant.Domain));
        await Expect(page.GetByLabel("Your message")).ToBeVisibleAsync();

        var csp = await response!.HeaderValueAsync("content-security-policy");
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Empty(foreign);

        using var unknown = await new HttpClient().GetAsync(fixture.Url("nobody-here.test").Replace("nobody-here.test", "127.0.0.1", StringComparison.Ordinal));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private static async Task SendThroughWidgetAsync(IPage page, string prompt)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = "Chat with us" }).ClickAsync();
        await page.GetByLabel("Your message").FillAsync(prompt);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send" }).ClickAsync();
    }

    private static Task<string?> FocusedIdAsync(IPage page) => page.EvaluateAsync<string?>("() => document.activeElement?.id || null");
}
