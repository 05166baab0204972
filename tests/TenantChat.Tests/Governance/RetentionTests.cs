using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Grains;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Governance;

/// <summary>
/// retention_days (contract section 14): the daily reminder is stored in the reminders table, and the purge, run
/// through the grain as the reminder runs it, erases only the tenant's messages older than the cutoff, in batches of
/// <see cref="ClusterFixture.RetentionBatchSize"/>.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class RetentionTests(ClusterFixture fixture)
{
    private const int OldMessages = 120;
    private const int RecentMessages = 10;

    [Fact]
    public async Task Purge_erases_only_that_tenants_messages_older_than_the_cutoff_in_batches_and_keeps_usage()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Retention tenant.");
        var other = await fixture.CreateTenantAsync("Neighbour keeping everything.");
        using (var chat = await tenant.Client.ChatAsync("a fresh question"))
        {
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }
        var oldConversation = await fixture.SeedAsync(tenant.Id, daysAgo: 40, OldMessages, replies: 2);
        await fixture.SeedAsync(tenant.Id, daysAgo: 5, RecentMessages, replies: 1);
        await fixture.SeedAsync(other.Id, daysAgo: 40, OldMessages, replies: 2);
        var otherBefore = await fixture.CountsAsync(other.Id);
        Assert.False(await fixture.ReminderExistsAsync(tenant.Id));

        using var set = await admin.PutAsJsonAsync("api/tenant/settings", new { retention_days = 30 });

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(30, (await set.JsonAsync())["retention_days"]!.GetValue<int>());
        Assert.Equal(30, (await admin.GetFromJsonAsync<JsonObject>("api/tenant"))!["retention_days"]!.GetValue<int>());
        Assert.True(await fixture.ReminderExistsAsync(tenant.Id), "no reminder row for the tenant's purge");
        Assert.False(await fixture.ReminderExistsAsync(other.Id));
        var newest = (await fixture.AuditEntriesAsync(tenant.Id))[^1];
        Assert.Equal("settings.changed", newest["action"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["from"] = null, ["to"] = 30 }, newest["changes"]!["retention_days"]));

        var usageBefore = await UsageAsync(tenant);
        var dailyBefore = await DailyAsync(tenant.Id);
        // The period sums behind /api/usage, taken from a day boundary before the erased rows (the current period may not reach them).
        var since = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-45), TimeSpan.Zero);
        var costBefore = await fixture.Cluster.Client.GetGrain<IUsageReportGrain>(0).CostSinceAsync(tenant.Id, since);
        var cacheBefore = await fixture.Cluster.Client.GetGrain<IChatHistoryGrain>(0).CountCacheHitsAsync(tenant.Id, since);
        var purge = await fixture.Cluster.Client.GetGrain<IRetentionGrain>(tenant.Id).PurgeAsync();

        Assert.Equal(OldMessages, purge.MessagesErased);
        Assert.Equal(2, purge.RepliesErased);
        // 120 messages in batches of 50 (50, 50, 20) and the two replies in one more.
        Assert.Equal(4, purge.Batches);
        Assert.InRange(purge.Cutoff!.Value, DateTimeOffset.UtcNow.AddDays(-30).AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(-30));
        var after = await fixture.CountsAsync(tenant.Id);
        Assert.True(after.Oldest >= purge.Cutoff, $"a row from {after.Oldest} outlived the cutoff {purge.Cutoff}");
        Assert.Equal(RecentMessages + 1, after.Messages);
        Assert.Equal(1, after.Replies);
        Assert.Equal(0, await fixture.MessageCountAsync(oldConversation));
        Assert.Equal(otherBefore, await fixture.CountsAsync(other.Id));
        // Erasing history refunds nothing and costs the reports nothing: the erased rows' sums are kept.
        Assert.Equal(usageBefore.ToJsonString(), (await UsageAsync(tenant)).ToJsonString());
        Assert.Equal(dailyBefore.ToJsonString(), (await DailyAsync(tenant.Id)).ToJsonString());
        Assert.Equal(costBefore, await fixture.Cluster.Client.GetGrain<IUsageReportGrain>(0).CostSinceAsync(tenant.Id, since));
        Assert.Equal(cacheBefore, await fixture.Cluster.Client.GetGrain<IChatHistoryGrain>(0).CountCacheHitsAsync(tenant.Id, since));
        Assert.Equal((OldMessages + RecentMessages) / 10, cacheBefore.Hits);
        Assert.Equal(15L * cacheBefore.Hits, cacheBefore.TokensSaved);
        Assert.Equal(OldMessages, dailyBefore.AsArray().Where(day => string.CompareOrdinal(day!["date"]!.GetValue<string>(), Day(30)) < 0)
            .Sum(day => day!["calls"]!.GetValue<long>()));

        var again = await fixture.Cluster.Client.GetGrain<IRetentionGrain>(tenant.Id).PurgeAsync();
        Assert.Equal(0, again.MessagesErased);
        Assert.Equal(RecentMessages + 1, (await fixture.CountsAsync(tenant.Id)).Messages);
    }

    [Fact]
    public async Task A_tick_of_the_reminder_runs_the_same_purge_and_deletion_removes_the_reminder()
    {
        var tenant = await fixture.CreateTenantAsync("Purged by its reminder.", customize: body => body["retention_days"] = 30);
        await fixture.SeedAsync(tenant.Id, daysAgo: 31, 70, replies: 0);
        await fixture.SeedAsync(tenant.Id, daysAgo: 29, 3, replies: 0);
        var retention = fixture.Cluster.Client.GetGrain<IRetentionGrain>(tenant.Id);

        // What the reminder service delivers each day, delivered now.
        await retention.AsReference<IRemindable>().ReceiveReminder("retention-purge", new TickStatus(DateTime.UtcNow, TimeSpan.FromDays(1), DateTime.UtcNow));

        var after = await fixture.CountsAsync(tenant.Id);
        Assert.Equal(3, after.Messages);
        Assert.True(after.Oldest > DateTimeOffset.UtcNow.AddDays(-30));
        Assert.True(await fixture.ReminderExistsAsync(tenant.Id));

        // Deleting the tenant takes its reminder along (the reminders table has no tenant_id for the erasure to find).
        using var operatorClient = fixture.OperatorClient();
        Assert.Equal(HttpStatusCode.NoContent, (await operatorClient.DeleteAsync($"api/admin/tenants/{tenant.Id}")).StatusCode);
        Assert.False(await fixture.ReminderExistsAsync(tenant.Id), "a deleted tenant keeps its purge reminder");
    }

    [Fact]
    public async Task Null_retention_keeps_everything_and_removes_the_reminder()
    {
        var tenant = await fixture.CreateTenantAsync("Retention switched off.", customize: body => body["retention_days"] = 7);
        var never = await fixture.CreateTenantAsync("Never had retention.");
        await fixture.SeedAsync(tenant.Id, daysAgo: 400, 60, replies: 1);
        await fixture.SeedAsync(never.Id, daysAgo: 400, 60, replies: 1);
        Assert.True(await fixture.ReminderExistsAsync(tenant.Id), "retention set at creation registers the reminder");
        using var operatorClient = fixture.OperatorClient();

        using var off = await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}", new JsonObject { ["retention_days"] = null });

        Assert.Equal(HttpStatusCode.OK, off.StatusCode);
        Assert.Null((await off.JsonAsync())["retention_days"]);
        Assert.False(await fixture.ReminderExistsAsync(tenant.Id), "the reminder outlives the setting");
        foreach (var id in new[] { tenant.Id, never.Id })
        {
            var before = await fixture.CountsAsync(id);
            var purge = await fixture.Cluster.Client.GetGrain<IRetentionGrain>(id).PurgeAsync();
            Assert.Null(purge.Cutoff);
            Assert.Equal(0, purge.MessagesErased + purge.RepliesErased);
            Assert.Equal(before, await fixture.CountsAsync(id));
            Assert.Equal(60, before.Messages);
        }
    }

    [Fact]
    public async Task Bad_retention_values_are_400_naming_the_field_and_change_nothing()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Retention validation.", body => body["retention_days"] = 90);
        using var operatorClient = fixture.OperatorClient();
        var before = await fixture.GetTenantAsync(tenant.Id);
        var auditBefore = (await fixture.AuditEntriesAsync(tenant.Id)).Count;
        JsonNode?[] bad = [0, -1, 3651, 1.5, "30", true, new JsonArray(30), new JsonObject { ["days"] = 30 }];

        foreach (var value in bad)
        {
            using var own = await admin.PutAsJsonAsync("api/tenant/settings", new JsonObject { ["retention_days"] = value?.DeepClone() });
            await AssertNamesRetentionAsync(own, value);
            using var byOperator = await operatorClient.PatchAsJsonAsync($"api/admin/tenants/{tenant.Id}",
                new JsonObject { ["retention_days"] = value?.DeepClone(), ["name"] = "Renamed" });
            await AssertNamesRetentionAsync(byOperator, value);
        }
        var domain = TestTenants.UniqueDomain();
        using var create = await operatorClient.PostAsJsonAsync("api/admin/tenants", new JsonObject
        {
            ["name"] = "Never created", ["domain"] = domain, ["token_limit"] = 1000, ["model"] = "openai", ["retention_days"] = 0,
        });
        await AssertNamesRetentionAsync(create, 0);

        var after = await fixture.GetTenantAsync(tenant.Id);
        Assert.Equal(before.ToJsonString(), after.ToJsonString());
        Assert.Equal(90, after["retention_days"]!.GetValue<int>());
        Assert.Equal(auditBefore, (await fixture.AuditEntriesAsync(tenant.Id)).Count);
        await using var created = fixture.Database.CreateCommand("select count(*) from tenants where domain = @domain");
        created.Parameters.AddWithValue("domain", domain);
        Assert.Equal(0L, await created.ExecuteScalarAsync());
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("api/tenant/settings", new { retention_days = 3650 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync("api/tenant/settings", new { retention_days = 1 })).StatusCode);
    }

    private static async Task AssertNamesRetentionAsync(HttpResponseMessage response, JsonNode? value)
    {
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"retention_days {value?.ToJsonString()} was {(int)response.StatusCode}");
        var problem = await response.JsonAsync();
        Assert.Equal("validation_failed", problem["code"]!.GetValue<string>());
        Assert.NotNull(problem["errors"]!["retention_days"]);
    }

    private async Task<JsonObject> UsageAsync(TestTenants.Tenant tenant)
    {
        using var member = await fixture.SignedInClientAsync(tenant);
        return (await member.GetFromJsonAsync<JsonObject>("api/usage"))!;
    }

    private async Task<JsonNode> DailyAsync(Guid tenantId)
    {
        using var operatorClient = fixture.OperatorClient();
        var daily = await operatorClient.GetFromJsonAsync<JsonObject>($"api/admin/usage/daily?tenant_id={tenantId}&from={Day(60)}&to={Day(0)}");
        return daily!["items"]!;
    }

    private static string Day(int daysAgo) => DateTimeOffset.UtcNow.AddDays(-daysAgo).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
