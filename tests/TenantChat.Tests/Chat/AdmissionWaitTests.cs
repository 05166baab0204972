using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Chat;

/// <summary>
/// Contract section 9, invariant 7: a call that would fit once the calls in flight settle waits for them (here at
/// most <see cref="ClusterFixture.AdmissionWaitSeconds"/>) instead of being refused. A stream begun straight on
/// the tenant's grain stands for a call in flight: its reservation is held until the test ends or abandons it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AdmissionWaitTests(ClusterFixture fixture)
{
    // A budget of 200 with 100 tokens of allowance: a call (about 20 prompt tokens) reserves about 120, so while
    // one is in flight the next must wait, though the budget itself is untouched.
    private const long OneAtATime = 200;

    private Task<TestTenants.Tenant> CreateTenantAsync(string systemPrompt, long tokenLimit = OneAtATime) =>
        fixture.CreateTenantAsync(systemPrompt, tokenLimit, body => body["max_output_tokens"] = 100);

    /// <summary>Holds a reservation of the tenant's budget, as a call in flight does, until it is abandoned or completed.</summary>
    private async Task<StreamTicket> HoldAsync(TestTenants.Tenant tenant, string prompt = "Hold the budget for a while")
    {
        var begun = await fixture.Cluster.Client.GetGrain<ITenantGrain>(tenant.Id)
            .BeginStreamAsync(tenant.Domain, new ChatRequest(prompt, null, null, null, Guid.CreateVersion7()));
        Assert.True(begun.Succeeded, begun.Error?.Detail);
        return begun.Value;
    }

    private Task AbandonAsync(TestTenants.Tenant tenant, StreamTicket held) =>
        fixture.Cluster.Client.GetGrain<ITenantGrain>(tenant.Id).AbandonStreamAsync(held.RequestId);

    private int UpstreamCallsFor(TestTenants.Tenant tenant, string prompt) =>
        fixture.Upstream.CallsFor(tenant.SystemPrompt).Count(call => call.Prompt == prompt);

    [Fact]
    public async Task A_call_that_fits_once_calls_in_flight_settle_waits_for_them_and_is_answered()
    {
        var tenant = await CreateTenantAsync("Patient tenant.");
        var held = await HoldAsync(tenant);

        var waiting = tenant.Client.ChatAsync("Waiting for room");
        await Task.Delay(500);
        Assert.False(waiting.IsCompleted, "the call should be waiting for the reservation in flight");
        await AbandonAsync(tenant, held);

        using var response = await waiting;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, UpstreamCallsFor(tenant, "Waiting for room"));
        var ledger = await fixture.LedgerAsync(tenant.Id);
        Assert.Equal((1, (await response.JsonAsync())["usage"]!["total_tokens"]!.GetValue<long>()), ledger);
    }

    [Fact]
    public async Task A_waiting_call_that_runs_out_of_time_is_refused_without_reaching_the_upstream()
    {
        var tenant = await CreateTenantAsync("Impatient tenant.");
        var held = await HoldAsync(tenant);

        var clock = Stopwatch.StartNew();
        using var response = await tenant.Client.ChatAsync("Waiting in vain");
        clock.Stop();
        await AbandonAsync(tenant, held);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("token_limit_exceeded", (await response.JsonAsync())["code"]!.GetValue<string>());
        // It waited its time out first (a lower bound only: how much longer a loaded machine takes says nothing).
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(ClusterFixture.AdmissionWaitSeconds - 0.5), $"refused after {clock.Elapsed}");
        Assert.Equal(0, UpstreamCallsFor(tenant, "Waiting in vain"));
        Assert.Equal(0, (await fixture.LedgerAsync(tenant.Id)).Messages);
        Assert.Equal(0, (await fixture.GetTenantAsync(tenant.Id))["tokens_used"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_caller_who_disconnects_while_waiting_frees_its_place()
    {
        var tenant = await CreateTenantAsync("Deserted tenant.");
        var held = await HoldAsync(tenant);

        using var leaving = new CancellationTokenSource();
        var left = tenant.Client.PostAsJsonAsync("api/chat/call", new { prompt = "Gone before my turn" }, leaving.Token);
        await Task.Delay(700);
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => left);
        var next = tenant.Client.ChatAsync("Next in line");
        await Task.Delay(300);
        await AbandonAsync(tenant, held);

        using var response = await next;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Had the call that left kept its place, it would have been admitted first, and run for no one.
        await Task.Delay(500);
        Assert.Equal(0, UpstreamCallsFor(tenant, "Gone before my turn"));
        Assert.Equal(1, UpstreamCallsFor(tenant, "Next in line"));
        Assert.Equal(1, (await fixture.LedgerAsync(tenant.Id)).Messages);
    }

    [Fact]
    public async Task A_waiting_call_never_delays_a_call_that_fits()
    {
        // A long prompt (~700 tokens) held in flight leaves ~180 of 1,000 tokens: a second long call must wait for
        // it, while a short call (~120 reserved) fits and must not be held up by the long one waiting.
        var tenant = await CreateTenantAsync("Busy tenant.", tokenLimit: 1_000);
        var longPrompt = string.Concat(Enumerable.Repeat("budget ", 700));
        var held = await HoldAsync(tenant, longPrompt);

        var waiting = tenant.Client.ChatAsync(longPrompt);
        await Task.Delay(500);
        using var small = await tenant.Client.ChatAsync("A short question");

        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.False(waiting.IsCompleted, "the long call should still be waiting");
        await AbandonAsync(tenant, held);
        using var big = await waiting;
        Assert.Equal(HttpStatusCode.OK, big.StatusCode);
        Assert.Equal(2, (await fixture.LedgerAsync(tenant.Id)).Messages);
    }

    [Fact]
    public async Task Streams_and_openai_compatible_calls_wait_too_and_are_admitted_in_arrival_order()
    {
        var tenant = await CreateTenantAsync("Queueing tenant.");
        var held = await HoldAsync(tenant);

        var stream = tenant.Client.StreamEventsAsync("First in the queue");
        await Task.Delay(700);
        var completion = tenant.Client.PostAsJsonAsync("v1/chat/completions", new JsonObject
        {
            ["model"] = "openai",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Second in the queue" }),
        });
        await Task.Delay(300);
        Assert.False(stream.IsCompleted || completion.IsCompleted, "both calls should be waiting");
        await AbandonAsync(tenant, held);

        var (streamed, events) = await stream;
        using var completed = await completion;
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        Assert.Equal("[DONE]", events[^1]);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        // Room for one reservation at a time: the upstream saw them in the order they came.
        var order = fixture.Upstream.CallsFor(tenant.SystemPrompt).Select(call => call.Prompt).ToList();
        Assert.Equal(["First in the queue", "Second in the queue"], order);
        Assert.Equal(2, (await fixture.LedgerAsync(tenant.Id)).Messages);
    }
}
