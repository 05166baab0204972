using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Governance;

/// <summary>Who the audit log names for conversation and account changes: the signed-in user, or anonymous.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AuditActorTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Closing_and_erasing_a_conversation_are_audited_with_their_actor()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Audited conversations.");
        var adminId = (await admin.GetFromJsonAsync<JsonObject>("api/accounts/me"))!["id"]!.GetValue<Guid>();
        using var chat = await tenant.Client.ChatAsync("hello there");
        var conversationId = (await chat.JsonAsync())["conversation_id"]!.GetValue<Guid>();

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"api/conversations/{conversationId}", new { status = "closed" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/conversations/{conversationId}")).StatusCode);

        var entries = await fixture.AuditEntriesAsync(tenant.Id);
        Assert.Equal(["tenant.created", "conversation.closed", "conversation.erased"], entries.Select(e => e["action"]!.GetValue<string>()));
        Assert.All(entries.Skip(1), e => Assert.Equal($"account:{adminId}", e["actor"]!.GetValue<string>()));
        Assert.All(entries.Skip(1), e => Assert.Equal($"conversation:{conversationId}", e["target"]!.GetValue<string>()));
        Assert.Equal(1, entries[2]["changes"]!["messages_erased"]!.GetValue<int>());
        Assert.True((await fixture.VerifyAuditAsync(tenant.Id))["ok"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Account_changes_and_deletion_are_audited_and_a_refused_one_is_not()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Audited accounts.");
        var adminId = (await admin.GetFromJsonAsync<JsonObject>("api/accounts/me"))!["id"]!.GetValue<Guid>();
        using var member = await fixture.SignedInClientAsync(tenant);
        var memberId = (await member.GetFromJsonAsync<JsonObject>("api/accounts/me"))!["id"]!.GetValue<Guid>();

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync($"api/accounts/{memberId}", new { status = "disabled" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"api/accounts/{memberId}")).StatusCode);
        using var lastAdmin = await admin.DeleteAsync($"api/accounts/{adminId}");

        Assert.False(lastAdmin.IsSuccessStatusCode);
        var entries = await fixture.AuditEntriesAsync(tenant.Id);
        Assert.Equal(["tenant.created", "account.created", "account.changed", "account.deleted"], entries.Select(e => e["action"]!.GetValue<string>()));
        Assert.True(JsonNode.DeepEquals(new JsonObject { ["from"] = "active", ["to"] = "disabled" }, entries[2]["changes"]!["status"]));
        Assert.All(entries.Skip(2), e => Assert.Equal($"account:{adminId}", e["actor"]!.GetValue<string>()));
        Assert.All(entries.Skip(2), e => Assert.Equal($"account:{memberId}", e["target"]!.GetValue<string>()));
    }

    [Fact]
    public async Task An_account_added_by_a_signed_in_admin_names_the_admin_and_one_signing_up_alone_is_anonymous()
    {
        var (tenant, admin) = await fixture.CreateTenantWithAdminAsync("Colleagues added from the console.");
        var adminId = (await admin.GetFromJsonAsync<JsonObject>("api/accounts/me"))!["id"]!.GetValue<Guid>();
        var (_, stranger) = await fixture.CreateTenantWithAdminAsync("Another tenant's admin.");
        var before = (await fixture.AuditEntriesAsync(tenant.Id)).Count;

        using var byAdmin = await admin.PostAsJsonAsync("api/accounts", new { email = "colleague@example.com", password = "long enough 1" });
        using var alone = await tenant.Client.PostAsJsonAsync("api/accounts", new { email = "visitor@example.com", password = "long enough 2" });
        // A token of another tenant, presented on this domain, does not make its holder the actor.
        using var foreign = new HttpRequestMessage(HttpMethod.Post, "api/accounts") { Content = JsonContent.Create(new { email = "third@example.com", password = "long enough 3" }) };
        foreign.Headers.Authorization = stranger.DefaultRequestHeaders.Authorization;
        using var foreignReply = await tenant.Client.SendAsync(foreign);

        Assert.Equal(HttpStatusCode.Created, byAdmin.StatusCode);
        Assert.Equal(HttpStatusCode.Created, alone.StatusCode);
        Assert.Equal(HttpStatusCode.Created, foreignReply.StatusCode);
        var created = (await fixture.AuditEntriesAsync(tenant.Id)).Skip(before).ToList();
        Assert.Equal(["account.created", "account.created", "account.created"], created.Select(e => e["action"]!.GetValue<string>()));
        Assert.Equal([$"account:{adminId}", "anonymous", "anonymous"], created.Select(e => e["actor"]!.GetValue<string>()));
        stranger.Dispose();
    }
}
