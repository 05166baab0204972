using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Requests;

/// <summary>
/// Issue 17, finding 6: one input policy for every JSON body. Each class of bad input is refused 400
/// validation_failed naming the field, on every route that takes JSON, and changes nothing.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class JsonInputPolicyTests(ClusterFixture fixture)
{
    public enum Caller { Public, Member, TenantAdmin, Operator }

    /// <summary>A route and a body for it in which <c>{0}</c> is the raw JSON value of <see cref="Field"/>.</summary>
    public sealed record class Route(string Name, string Method, string Path, Caller Caller, string Field, string Body);

    private static readonly Route[] Routes =
    [
        new("chat call", "POST", "api/chat/call", Caller.Public, "prompt", """{"prompt": {0}}"""),
        new("chat stream", "POST", "api/chat/stream", Caller.Public, "prompt", """{"prompt": {0}}"""),
        new("v1", "POST", "v1/chat/completions", Caller.Public, "messages[0].content",
            """{"model": "openai", "messages": [{"role": "user", "content": {0}}]}"""),
        new("sign-up", "POST", "api/accounts", Caller.Public, "display_name",
            """{"email": "policy@example.test", "password": "long enough password", "display_name": {0}}"""),
        new("sign-in", "POST", "api/accounts/token", Caller.Public, "email", """{"email": {0}, "password": "long enough password"}"""),
        new("customer data create", "POST", "api/customer-data", Caller.Member, "metadata.note",
            """{"title": "A title", "content": "Some content", "metadata": {"note": {0}}}"""),
        new("tenant settings", "PUT", "api/tenant/settings", Caller.TenantAdmin, "system_prompt", """{"system_prompt": {0}}"""),
        new("operator create", "POST", "api/admin/tenants", Caller.Operator, "name",
            """{"name": {0}, "domain": "policy-created.test", "token_limit": 10, "model": "m"}"""),
        new("operator patch", "PATCH", "api/admin/tenants/{tenant}", Caller.Operator, "system_prompt", """{"system_prompt": {0}}"""),
    ];

    /// <summary>Each class of bad input: the raw JSON value put in the field, and the content type sent.</summary>
    private static readonly (string Name, string Value, string ContentType, string? NamedField)[] Classes =
    [
        ("lone high surrogate", "\"before \\ud800 after\"", "application/json", null),
        ("lone low surrogate", "\"\\udc00\"", "application/json", null),
        ("NUL", "\"before \\u0000 after\"", "application/json", null),
        ("number beyond a double", "1e200000", "application/json", null),
        ("number below a double", "1e-200000", "application/json", null),
        ("zero with a huge exponent", "0e-200000", "application/json", null),
        ("number of 500 decimals", "0." + new string('1', 500), "application/json", null),
        // The field's value, then the same field again.
        ("duplicate member", "\"first\", {last}: \"second\"", "application/json", null),
        ("unknown charset", "\"fine text\"", "application/json; charset=bogus", "Content-Type"),
        ("oversized body", "\"" + new string('x', 1_100_000) + "\"", "application/json", "body"),
    ];

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var route in Routes)
        {
            foreach (var kind in Classes)
            {
                cases.Add(route.Name, kind.Name);
            }
        }
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_400_validation_failed_naming_the_field_and_changes_nothing(string routeName, string className)
    {
        var route = Routes.Single(r => r.Name == routeName);
        var kind = Classes.Single(c => c.Name == className);
        var target = await TargetAsync();
        var before = await StateAsync(target);
        var lastMember = route.Field.Split('.', '[')[^1];
        var value = kind.Value.Replace("{last}", $"\"{lastMember}\"", StringComparison.Ordinal);
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(route.Body.Replace("{0}", value, StringComparison.Ordinal)));
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(kind.ContentType);
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path.Replace("{tenant}", target.Tenant.Id.ToString(), StringComparison.Ordinal))
        {
            Content = content,
        };

        using var response = await ClientFor(route.Caller, target).SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        var field = kind.NamedField ?? route.Field;
        if (route.Path.StartsWith("v1/", StringComparison.Ordinal))
        {
            Assert.Equal("validation_failed", problem["error"]!["code"]!.GetValue<string>());
            Assert.Equal(field, problem["error"]!["param"]!.GetValue<string>());
        }
        else
        {
            Assert.Equal("validation_failed", problem["code"]!.GetValue<string>());
            Assert.NotNull(problem["errors"]![field]);
        }
        Assert.Equal(before, await StateAsync(target));
        Assert.Empty(fixture.Upstream.CallsFor(target.Tenant.SystemPrompt));
    }

    [Fact]
    public async Task Well_formed_unicode_and_numbers_a_double_holds_pass_the_policy()
    {
        var target = await TargetAsync();
        using var user = await fixture.SignedInClientAsync(target.Tenant);
        const string body = """{"title": "Emoji \ud83d\ude00", "content": "Caf\u00e9", "metadata": {"big": 1e308, "small": 5e-324, "zero": 0.0e-999}}""";

        using var created = await user.PostAsync("api/customer-data", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var item = await created.JsonAsync();
        Assert.Equal("Emoji \U0001F600", item["title"]!.GetValue<string>());
        Assert.Equal(1e308, item["metadata"]!["big"]!.GetValue<double>());
        using var deleted = await user.DeleteAsync($"api/customer-data/{item["id"]}");
    }

    private sealed record class Target(TestTenants.Tenant Tenant, HttpClient Admin, HttpClient Member, HttpClient Operator);

    private static Target? _target;
    private static ClusterFixture? _targetFixture;

    /// <summary>One tenant, with an admin and a member, that every case aims at: none may change it.</summary>
    private async Task<Target> TargetAsync()
    {
        if (_target is null || _targetFixture != fixture)
        {
            var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Policy target tenant.");
            _target = new Target(tenant, admin, await fixture.SignedInClientAsync(tenant), fixture.OperatorClient());
            _targetFixture = fixture;
        }
        return _target;
    }

    private static HttpClient ClientFor(Caller caller, Target target) => caller switch
    {
        Caller.Public => target.Tenant.Client,
        Caller.Member => target.Member,
        Caller.TenantAdmin => target.Admin,
        _ => target.Operator,
    };

    /// <summary>Everything a bad body could have changed: the target's rows, settings and usage, and the tenants.</summary>
    private async Task<string> StateAsync(Target target)
    {
        await using var command = fixture.Database.CreateCommand("""
            select (select count(*) from tenants),
                (select count(*) from accounts where tenant_id = @id),
                (select count(*) from customer_data where tenant_id = @id),
                (select count(*) from chat_messages where tenant_id = @id),
                (select system_prompt || '|' || name || '|' || tokens_used from tenants where id = @id)
            """);
        command.Parameters.AddWithValue("id", target.Tenant.Id);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return $"{reader.GetInt64(0)}/{reader.GetInt64(1)}/{reader.GetInt64(2)}/{reader.GetInt64(3)}/{reader.GetString(4)}";
    }
}
