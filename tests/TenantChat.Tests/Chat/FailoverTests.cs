using System.Net;
using TenantChat.Grains;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Chat;

/// <summary>A cluster of its own: these tests kill silos.</summary>
[CollectionDefinition(Name)]
public sealed class FailoverCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "failover";
}

[Collection(FailoverCollection.Name)]
public sealed class FailoverTests(ClusterFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_the_silo_that_hosts_a_tenant_loses_no_accounted_token_and_no_stored_message()
    {
        var tenant = await fixture.CreateTenantAsync("[fake:delay=300] Failover tenant.");
        var settled = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => tenant.Client.ChatAsync($"Before the crash {i}")));
        Assert.All(settled, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));

        // Calls in flight while the tenant's silo dies: none may be half-done, and the frontend's idempotent retry
        // should carry (nearly) all of them over to the surviving silo.
        var inFlight = Enumerable.Range(0, 20).Select(i => tenant.Client.ChatAsync($"During the crash {i}")).ToList();
        await Task.Delay(100);
        var host = await fixture.Cluster.Client.GetGrain<IManagementGrain>(0)
            .GetActivationAddress(fixture.Cluster.Client.GetGrain<ITenantGrain>(tenant.Id));
        Assert.NotNull(host);
        await fixture.Cluster.KillSiloAsync(fixture.Cluster.Silos.Single(silo => silo.SiloAddress.Equals(host)));
        var during = await Task.WhenAll(inFlight.Select(CompleteOrFailAsync));

        // The tenant is served again by the remaining silo.
        HttpResponseMessage? after = null;
        for (var attempt = 0; attempt < 60 && after?.StatusCode != HttpStatusCode.OK; attempt++)
        {
            after = await CompleteOrFailAsync(tenant.Client.ChatAsync("After the crash"));
            if (after?.StatusCode != HttpStatusCode.OK)
            {
                await Task.Delay(500);
            }
        }
        Assert.Equal(HttpStatusCode.OK, after?.StatusCode);

        var succeeded = settled.Concat(during.OfType<HttpResponseMessage>()).Append(after!)
            .Where(response => response.StatusCode == HttpStatusCode.OK).ToList();
        var ids = new List<Guid>();
        long answered = 0;
        foreach (var response in succeeded)
        {
            var body = await response.JsonAsync();
            ids.Add(Guid.Parse(body["id"]!.GetValue<string>()));
            answered += body["usage"]!["total_tokens"]!.GetValue<long>();
        }
        output.WriteLine($"in flight during the kill: {during.Count(r => r?.StatusCode == HttpStatusCode.OK)} of {during.Length} succeeded; "
            + $"failures: {string.Join(", ", during.Where(r => r?.StatusCode != HttpStatusCode.OK).Select(r => r is null ? "connection" : ((int)r.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture)))}");
        Assert.True(during.Count(r => r?.StatusCode == HttpStatusCode.OK) >= 18, "the failover retry lost more than 2 of 20 calls in flight");
        var ledger = await fixture.LedgerAsync(tenant.Id);
        var view = await fixture.GetTenantAsync(tenant.Id);
        await using var stored = fixture.Database.CreateCommand("select count(*) from chat_messages where id = any(@ids)");
        stored.Parameters.AddWithValue("ids", ids.ToArray());

        Assert.Equal((long)ids.Count, (long)(await stored.ExecuteScalarAsync())!); // every 200 was stored
        Assert.Equal(ledger.Tokens, view["tokens_used"]!.GetValue<long>());         // the counter is the ledger
        Assert.Equal(ledger.Messages, view["calls"]!.GetValue<long>());
        // A call can commit and then lose its reply with the silo, never the other way round.
        Assert.True(ledger.Tokens >= answered);
    }

    private static async Task<HttpResponseMessage?> CompleteOrFailAsync(Task<HttpResponseMessage> call)
    {
        try
        {
            return await call;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
