using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;
using TenantChat.WebFrontend.Pages;

namespace TenantChat.Tests.Pages;

[Collection(ClusterCollection.Name)]
public sealed class WidgetOriginsTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData("https://Shop.Example.com", "https://shop.example.com")]
    [InlineData("HTTPS://shop.example.com:443/", "https://shop.example.com")]
    [InlineData("http://127.0.0.1:5000", "http://127.0.0.1:5000")]
    [InlineData("https://bücher.example", "https://xn--bcher-kva.example")]
    public void An_origin_is_stored_in_one_normal_form(string given, string normalized)
    {
        Assert.True(WidgetOrigin.TryNormalize(given, out var origin));
        Assert.Equal(normalized, origin);
    }

    [Theory]
    [InlineData("shop.example.com")]
    [InlineData("https://shop.example.com/path")]
    [InlineData("https://shop.example.com/?q=1")]
    [InlineData("https://user@shop.example.com")]
    [InlineData("ftp://shop.example.com")]
    [InlineData("https://*.example.com")]
    [InlineData("null")]
    [InlineData("")]
    public void Anything_but_an_origin_is_refused(string given) => Assert.False(WidgetOrigin.TryNormalize(given, out _));

    [Fact]
    public async Task Operator_sets_widget_origins_normalized_and_a_bad_list_changes_nothing()
    {
        var tenant = await fixture.CreateTenantAsync("Origins tenant");
        using var admin = fixture.OperatorClient();

        using var set = await admin.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}",
            new { widget_origins = new JsonArray("HTTPS://Shop.Example.com:443/", "https://shop.example.com", "http://localhost:3000") });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(["https://shop.example.com", "http://localhost:3000"], (await set.JsonAsync())["widget_origins"]!.AsArray().Select(o => o!.GetValue<string>()));

        using var bad = await admin.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new { widget_origins = new JsonArray("https://shop.example.com/checkout") });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.NotNull((await bad.JsonAsync())["errors"]!["widget_origins"]);
        Assert.Equal(2, (await fixture.GetTenantAsync(tenant.Id))["widget_origins"]!.AsArray().Count);
    }

    [Fact]
    public async Task Chat_routes_answer_listed_origins_with_cors_and_refuse_other_sites()
    {
        var tenant = await fixture.CreateTenantAsync("CORS tenant", customize: body => body["widget_origins"] = new JsonArray("https://shop.example.com"));

        using var preflight = new HttpRequestMessage(HttpMethod.Options, "api/chat/stream");
        preflight.Headers.Add("Origin", "https://shop.example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type");
        using var allowed = await tenant.Client.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal("https://shop.example.com", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("POST", allowed.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);

        using var listed = new HttpRequestMessage(HttpMethod.Post, "api/chat/call") { Content = JsonContent.Create(new { prompt = "hi" }) };
        listed.Headers.Add("Origin", "https://shop.example.com");
        using var answered = await tenant.Client.SendAsync(listed);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal("https://shop.example.com", answered.Headers.GetValues("Access-Control-Allow-Origin").Single());

        using var other = new HttpRequestMessage(HttpMethod.Post, "api/chat/call") { Content = JsonContent.Create(new { prompt = "hi" }) };
        other.Headers.Add("Origin", "https://evil.example");
        using var refused = await tenant.Client.SendAsync(other);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Single(fixture.Upstream.CallsFor(tenant.SystemPrompt));

        // The tenant's own domain (its chat page, any port) and callers without Origin are not affected.
        using var own = new HttpRequestMessage(HttpMethod.Post, "api/chat/call") { Content = JsonContent.Create(new { prompt = "hi" }) };
        own.Headers.Add("Origin", $"https://{tenant.Domain}:8443");
        using var ownAnswer = await tenant.Client.SendAsync(own);
        Assert.Equal(HttpStatusCode.OK, ownAnswer.StatusCode);
    }
}
