using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Grains.Alerts;
using TenantChat.Grains.Persistence;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Governance;

[Collection(ClusterCollection.Name)]
public sealed class UsageAlertTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Each_threshold_is_delivered_once_under_200_concurrent_calls_and_signed_with_the_secret_shown_once()
    {
        await using var receiver = await RecordingServer.StartAsync(RecordingServer.Status(200));
        var tenant = await fixture.CreateTenantAsync("Alerted tenant.");
        using var first = await tenant.Client.ChatAsync("how much is one call?");
        var perCall = (await first.JsonAsync())["usage"]!["total_tokens"]!.GetValue<long>();
        using var operatorClient = fixture.OperatorClient();
        // 201 calls use about half of the limit: 10%, 25% and 40% are crossed, 90% is not. Each call reserves at most
        // two calls' worth, so all 200 fit at once and none waits for room.
        using var patched = await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new
        {
            token_limit = perCall * 400,
            max_output_tokens = perCall,
            alerts = new { webhook_url = new Uri(receiver.BaseUrl, "hooks").ToString(), thresholds = new JsonArray { 40, 10, 25, 90 } },
        });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var secret = (await patched.JsonAsync())["webhook_secret"]!.GetValue<string>();
        var reread = await fixture.GetTenantAsync(tenant.Id);
        Assert.Null(reread["webhook_secret"]);
        Assert.Equal("[10,25,40,90]", reread["alerts"]!["thresholds"]!.ToJsonString());

        var calls = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => tenant.Client.ChatAsync("how much is one call?")));
        Assert.All(calls, call => Assert.Equal(HttpStatusCode.OK, call.StatusCode));

        await WaitForAsync(() => receiver.Requests.Count >= 3);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // room for a duplicate to show up, if there were one
        var events = receiver.Requests;
        Assert.Equal([10, 25, 40], events.Select(e => e.Json().GetProperty("threshold").GetInt32()).Order());
        foreach (var delivered in events)
        {
            var body = delivered.Json();
            Assert.Equal("usage.threshold", body.GetProperty("type").GetString());
            Assert.Equal(tenant.Id, body.GetProperty("tenant_id").GetGuid());
            Assert.Equal(perCall * 400, body.GetProperty("token_limit").GetInt64());
            Assert.Equal(WebhookDispatcher.Sign(secret, delivered.Body), delivered.Header("X-TenantChat-Signature"));
            Assert.Equal("/hooks", delivered.Target);
        }
        Assert.Equal(3, events.Select(e => e.Json().GetProperty("id").GetGuid()).Distinct().Count());

        // The secret never enters the audit log.
        await using var audit = fixture.Database.CreateCommand("select count(*) from audit_log where tenant_id = @id and changes::text like '%' || @secret || '%'");
        audit.Parameters.AddWithValue("id", tenant.Id);
        audit.Parameters.AddWithValue("secret", secret);
        Assert.Equal(0L, await audit.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_receiver_failing_twice_gets_the_event_on_the_third_try()
    {
        var attempts = 0;
        await using var receiver = await RecordingServer.StartAsync(context =>
        {
            context.Response.StatusCode = Interlocked.Increment(ref attempts) <= 2 ? 500 : 204;
            return Task.CompletedTask;
        });
        var tenant = await fixture.CreateTenantAsync("Alerted tenant with a flaky receiver.", tokenLimit: 2_000, customize: body =>
            body["alerts"] = new JsonObject { ["webhook_url"] = receiver.BaseUrl.ToString(), ["thresholds"] = new JsonArray { 1 } });

        using var call = await tenant.Client.ChatAsync("cross one percent, please");
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);

        await WaitForAsync(() => receiver.Requests.Count >= 3);
        await Task.Delay(TimeSpan.FromSeconds(1)); // delivered: no fourth attempt follows
        var requests = receiver.Requests;
        Assert.Equal(3, requests.Count);
        Assert.Single(requests.Select(r => r.Body).Distinct());
        await using var command = fixture.Database.CreateCommand(
            "select attempts, delivered_at is not null, last_status from webhook_outbox where tenant_id = @id");
        command.Parameters.AddWithValue("id", tenant.Id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((3, true, "204"), (reader.GetInt32(0), reader.GetBoolean(1), reader.GetString(2)));
    }

    [Fact]
    public async Task A_handoff_goes_through_the_same_signed_outbox()
    {
        await using var receiver = await RecordingServer.StartAsync(RecordingServer.Status(200));
        var tenant = await fixture.CreateTenantAsync("Handoff webhook tenant.");
        using var operatorClient = fixture.OperatorClient();
        using var patched = await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}",
            new { alerts = new { webhook_url = receiver.BaseUrl.ToString(), thresholds = new JsonArray { 100 } } });
        var secret = (await patched.JsonAsync())["webhook_secret"]!.GetValue<string>();
        var conversationId = Guid.NewGuid();
        // The silos' IConversationEvents in production; the test fixture records handoffs instead, so it is called here.
        var events = new WebhookConversationEvents(new WebhookOutboxStore(new TenantDatabase(fixture.Database)));

        await events.HandoffAsync(tenant.Id, conversationId, DateTimeOffset.UtcNow);

        await WaitForAsync(() => receiver.Requests.Count >= 1);
        var delivered = Assert.Single(receiver.Requests);
        var body = delivered.Json();
        Assert.Equal("conversation.handoff", body.GetProperty("type").GetString());
        Assert.Equal(conversationId, body.GetProperty("conversation_id").GetGuid());
        Assert.Equal(tenant.Id, body.GetProperty("tenant_id").GetGuid());
        Assert.Equal(WebhookDispatcher.Sign(secret, delivered.Body), delivered.Header("X-TenantChat-Signature"));
    }

    [Fact]
    public async Task Malformed_alerts_are_refused_naming_the_field()
    {
        var tenant = await fixture.CreateTenantAsync("Alert validation tenant.");
        using var operatorClient = fixture.OperatorClient();

        using var noThresholds = await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}",
            new { alerts = new { webhook_url = "https://hooks.example.com/x", thresholds = Array.Empty<int>() } });
        using var badUrl = await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}",
            new { alerts = new { webhook_url = "ftp://hooks.example.com/x", thresholds = new JsonArray { 80 } } });

        Assert.Equal(HttpStatusCode.BadRequest, noThresholds.StatusCode);
        Assert.NotNull((await noThresholds.JsonAsync())["errors"]!["alerts.thresholds"]);
        Assert.Equal(HttpStatusCode.BadRequest, badUrl.StatusCode);
        Assert.NotNull((await badUrl.JsonAsync())["errors"]!["alerts.webhook_url"]);
        Assert.Null((await fixture.GetTenantAsync(tenant.Id))["alerts"]);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("https://localhost/hook")]
    [InlineData("https://api.localhost/hook")]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://172.20.0.1/hook")]
    [InlineData("http://192.168.1.1/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[fd00::1]/hook")]
    [InlineData("http://[::ffff:127.0.0.1]/hook")]
    [InlineData("http://0.0.0.0/hook")]
    public void Loopback_and_private_targets_are_refused_at_validation_unless_allowed(string url)
    {
        Assert.NotNull(AlertTargets.Refusal(url, allowPrivate: false));
        Assert.Null(AlertTargets.Refusal(url, allowPrivate: true));
    }

    [Theory]
    [InlineData("https://hooks.example.com/tenantchat")]
    [InlineData("http://93.184.216.34/hook")]
    public void Public_targets_are_allowed(string url) => Assert.Null(AlertTargets.Refusal(url, allowPrivate: false));

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.True(condition(), "timed out waiting for the webhook receiver");
    }
}
