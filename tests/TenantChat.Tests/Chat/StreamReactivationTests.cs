using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Chat;

/// <summary>
/// A stream outlives its tenant grain's activation (the grain is collected, or its silo moves it) between being
/// admitted and being settled: the new activation never saw its reservation.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class StreamReactivationTests(ClusterFixture fixture)
{
    private static ChatRequest Request(string prompt) => new(prompt, null, null, null, Guid.CreateVersion7());

    private async Task DeactivateIdleGrainsAsync() =>
        await fixture.Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

    [Fact]
    public async Task A_stream_settled_by_a_new_activation_is_stored_and_charged_when_it_still_fits()
    {
        var tenant = await fixture.CreateTenantAsync("Reactivated streaming tenant.");
        var grain = fixture.Cluster.Client.GetGrain<ITenantGrain>(tenant.Id);
        var ticket = (await grain.BeginStreamAsync(tenant.Domain, Request("Still there?"))).Value!;

        await DeactivateIdleGrainsAsync();
        var outcome = await grain.CompleteStreamAsync(ticket,
            new StreamResult("Yes, still here.", null, new UpstreamRoute("default", ticket.Model), Complete: true));

        Assert.True(outcome.Succeeded, outcome.Error?.Detail);
        Assert.Equal(ticket.RequestId, outcome.Value.Id);
        var ledger = await fixture.LedgerAsync(tenant.Id);
        Assert.Equal((1, (long)outcome.Value.Usage.TotalTokens), ledger);
        Assert.Equal(ledger.Tokens, (await fixture.GetTenantAsync(tenant.Id))["tokens_used"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_stream_settled_by_a_new_activation_is_dropped_when_the_budget_has_no_room_for_it_any_more()
    {
        // Room for one reservation only (the prompt alone is ~20 tokens): the plain call below is admitted only because
        // the stream's reservation went with the old activation, and then the stream no longer fits.
        var tenant = await fixture.CreateTenantAsync("Squeezed streaming tenant.", tokenLimit: 200, customize: body => body["max_output_tokens"] = 150);
        var grain = fixture.Cluster.Client.GetGrain<ITenantGrain>(tenant.Id);
        var ticket = (await grain.BeginStreamAsync(tenant.Domain, Request("Wait for me"))).Value!;

        await DeactivateIdleGrainsAsync();
        using var plain = await tenant.Client.ChatAsync("Meanwhile");
        Assert.Equal(System.Net.HttpStatusCode.OK, plain.StatusCode);
        var outcome = await grain.CompleteStreamAsync(ticket,
            new StreamResult("A late answer.", null, new UpstreamRoute("default", ticket.Model), Complete: true));

        Assert.Equal(ProblemCode.Unavailable, outcome.Error?.Code);
        var ledger = await fixture.LedgerAsync(tenant.Id);
        Assert.Equal(1, ledger.Messages);
        Assert.True(ledger.Tokens <= 200);
        Assert.Equal(ledger.Tokens, (await fixture.GetTenantAsync(tenant.Id))["tokens_used"]!.GetValue<long>());
    }
}
