using System.Net;
using System.Text;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Chat;

[Collection(ClusterCollection.Name)]
public sealed class ChatValidationTests(ClusterFixture fixture)
{
    public static TheoryData<string, string> BadBodies => new()
    {
        { "not json at all", "application/json" },
        { "{\"prompt\": \"unterminated", "application/json" },
        { "{}", "application/json" },
        { "{\"prompt\": \"\"}", "application/json" },
        { "{\"prompt\": \"   \\n\\t \"}", "application/json" },
        { "{\"prompt\": null}", "application/json" },
        { "{\"prompt\": 42}", "application/json" },
        { "{\"prompt\": [\"a\"]}", "application/json" },
        { "{\"prompt\": \"hi\", \"seed\": \"42\"}", "application/json" },
        { "{\"prompt\": \"hi\", \"seed\": 4.5}", "application/json" },
        { "{\"prompt\": \"hi\", \"seed\": 99999999999}", "application/json" },
        { "{\"prompt\": \"hi\", \"model\": 7}", "application/json" },
        { "{\"prompt\": \"hi\", \"model\": \"\"}", "application/json" },
        { "{\"prompt\": \"hi\", \"model\": \"not-allowed-model\"}", "application/json" },
        { "{\"prompt\": \"hi\", \"conversation_id\": \"not-a-uuid\"}", "application/json" },
        { "[1, 2, 3]", "application/json" },
        { "null", "application/json" },
        { "", "application/json" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_bodies_get_400_validation_failed_and_store_nothing(string body, string contentType)
    {
        var tenant = await fixture.CreateTenantAsync("Validation tenant.");
        using var content = new StringContent(body, Encoding.UTF8, contentType);

        using var response = await tenant.Client.PostAsync("api/chat/call", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.JsonAsync();
        Assert.Equal("validation_failed", problem["code"]!.GetValue<string>());
        Assert.DoesNotContain("System.", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("TenantChat", problem.ToJsonString(), StringComparison.Ordinal);
        Assert.Empty(fixture.Upstream.CallsFor(tenant.SystemPrompt));
        Assert.Equal(0, (await fixture.LedgerAsync(tenant.Id)).Messages);
    }

    [Fact]
    public async Task A_prompt_longer_than_the_maximum_is_refused()
    {
        var tenant = await fixture.CreateTenantAsync("Long prompt tenant.");

        using var response = await tenant.Client.ChatAsync(new string('x', 8001));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("validation_failed", problem["code"]!.GetValue<string>());
        Assert.NotNull(problem["errors"]!["prompt"]);
        Assert.Empty(fixture.Upstream.CallsFor(tenant.SystemPrompt));
    }

    [Fact]
    public async Task A_prompt_of_exactly_the_maximum_is_accepted()
    {
        var tenant = await fixture.CreateTenantAsync("Max prompt tenant.", customize: body => body["max_output_tokens"] = 20);

        using var response = await tenant.Client.ChatAsync(new string('x', 8000));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_body_that_is_not_json_content_is_refused_with_415()
    {
        var tenant = await fixture.CreateTenantAsync("Content type tenant.");
        using var content = new StringContent("prompt=hello", Encoding.UTF8, "application/x-www-form-urlencoded");

        using var response = await tenant.Client.PostAsync("api/chat/call", content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("validation_failed", (await response.JsonAsync())["code"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad_host!")]
    [InlineData("-leading-hyphen.test")]
    public async Task A_missing_or_malformed_host_is_400(string host)
    {
        var context = await fixture.ChatWithRawHostAsync(host);

        Assert.Equal(400, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType);
        Assert.Contains("Host header", await new StreamReader(context.Response.Body).ReadToEndAsync(), StringComparison.Ordinal);
    }
}
