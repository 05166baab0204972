using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Observability;

/// <summary>
/// <c>Logging:Format=json</c>'s lines, as the fixture captures them from the frontend and both silos through the
/// production formatter: every line is one JSON object; a chat call's lines name the tenant and the trace; and no
/// line anywhere holds a prompt, a system parameter, a password or a key used in the run.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class JsonLogTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Every_line_is_a_json_object_and_chat_lines_carry_the_tenant_and_the_trace()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:500] Logged failing tenant.");

        using var failed = await tenant.Client.ChatAsync("Is anyone there?");
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);

        var lines = await LinesAsync(lines => lines.Count(line => line.Contains(tenant.Id.ToString(), StringComparison.Ordinal)) >= 2);
        var parsed = lines.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.All(parsed, line =>
        {
            Assert.Equal(JsonValueKind.Object, line.ValueKind);
            Assert.True(line.TryGetProperty("timestamp", out _));
            Assert.True(line.TryGetProperty("level", out _));
            Assert.True(line.TryGetProperty("category", out _));
        });
        var tenantLines = parsed.Where(line => Text(line, "tenant_id") == tenant.Id.ToString()).ToList();
        // The grain's warning about the upstream, and the frontend's line about the refused call.
        var grainLine = Assert.Single(tenantLines, line => Text(line, "template") == "Tenant {TenantId}: upstream call failed ({Failure})");
        var frontendLine = Assert.Single(tenantLines, line => Text(line, "template")!.StartsWith("Chat call {Route}", StringComparison.Ordinal));
        Assert.Equal("upstream_error", frontendLine.GetProperty("fields").GetProperty("Outcome").GetString());
        Assert.False(string.IsNullOrEmpty(Text(frontendLine, "request_id")));
        Assert.Matches("^[0-9a-f]{32}$", Text(grainLine, "trace_id")!);
        Assert.Equal(Text(frontendLine, "trace_id"), Text(grainLine, "trace_id"));
    }

    [Fact]
    public async Task No_log_line_holds_a_prompt_a_system_parameter_a_password_or_a_key()
    {
        const string password = "log-scan password 8c1f";
        const string prompt = "My account number is 55-1234, log-scan prompt";
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Log-scan system parameter 5d2e.");
        using var member = await fixture.SignedInClientAsync(tenant, password: password);
        using var ok = await tenant.Client.ChatAsync(prompt);
        using var refused = await tenant.Client.ChatAsync(new string('x', 9000));
        var failing = await fixture.CreateTenantAsync("[fake:500] Log-scan failing system parameter 7a3b.");
        using var failed = await failing.Client.ChatAsync(prompt);
        using var wrongKey = fixture.ClientFor("admin.test");
        wrongKey.DefaultRequestHeaders.Authorization = new("Bearer", "log-scan wrong operator key");
        using var unauthorized = await wrongKey.GetAsync("api/admin/tenants");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        var token = admin.DefaultRequestHeaders.Authorization!.Parameter!;

        var lines = await LinesAsync(lines => lines.Any(line => line.Contains(failing.Id.ToString(), StringComparison.Ordinal)));

        Assert.NotEmpty(lines);
        foreach (var secret in new[]
        {
            prompt, tenant.SystemPrompt, failing.SystemPrompt, password, "admin password 123", token, ClusterFixture.OperatorKey,
            ClusterFixture.SigningKey, "log-scan wrong operator key",
        })
        {
            Assert.DoesNotContain(lines, line => line.Contains(secret, StringComparison.Ordinal)
                || line.Contains(JsonEncodedText.Encode(secret).ToString(), StringComparison.Ordinal));
        }
    }

    private static string? Text(JsonElement line, string property) =>
        line.TryGetProperty(property, out var value) ? value.GetString() : null;

    /// <summary>The captured lines, once <paramref name="ready"/> holds (the frontend logs a call after answering it).</summary>
    private static async Task<IReadOnlyList<string>> LinesAsync(Func<IReadOnlyList<string>, bool> ready)
    {
        var lines = JsonLogCapture.Lines;
        for (var attempt = 0; attempt < 50 && !ready(lines); attempt++)
        {
            await Task.Delay(100);
            lines = JsonLogCapture.Lines;
        }
        return lines;
    }
}
