using Npgsql;

namespace TenantChat.FaultSuite.Scenarios;

/// <summary>
/// g. A usage threshold is crossed and the silo delivering its webhook is killed in the middle of the delivery: the
/// receiver (on loopback, started here) holds the first attempt unanswered, the suite finds which silo holds that
/// connection and <c>kill -9</c>s it. The outbox row stays leased to the dead silo; when the lease runs out the other
/// silo claims it and delivers. The receiver must get the event exactly once (by its <c>id</c>), signed with the
/// tenant's secret, and the outbox must show it delivered. The killed silo is started again for the next scenario.
/// </summary>
public sealed class WebhookSiloKillScenario(FaultRun run)
{
    /// <summary>The outbox lease (30 s) plus polling and a busy machine.</summary>
    private static readonly TimeSpan TakeoverBound = TimeSpan.FromSeconds(60);

    /// <summary>How long after the delivery the receiver keeps listening for a second copy.</summary>
    private static readonly TimeSpan QuietAfterDelivery = TimeSpan.FromSeconds(5);

    private static readonly int[] Thresholds = [1];

    public async Task RunAsync()
    {
        var report = run.Report;
        await using var receiver = WebhookReceiver.Start();
        // One call is far over 1% of 2,000 tokens, and its reservation (64 completion tokens) fits the budget.
        var created = await run.Client.CreateTenantJsonAsync(new Dictionary<string, object>
        {
            ["name"] = "Fault suite webhook",
            ["domain"] = $"webhook-{Guid.NewGuid():N}.fault.test",
            ["system_prompt"] = "You are the support desk of a webhook customer. Answer briefly.",
            ["token_limit"] = 2000,
            ["model"] = "fault-model",
            ["max_output_tokens"] = 64,
            ["alerts"] = new Dictionary<string, object> { ["webhook_url"] = receiver.Url.ToString(), ["thresholds"] = Thresholds },
        });
        var tenant = new FaultTenant(0, Guid.Parse(created["id"]!.GetValue<string>()), created["domain"]!.GetValue<string>());
        var secret = created["webhook_secret"]?.GetValue<string>();
        Report.Info($"tenant {tenant.Domain}, webhook receiver on {receiver.Url}");

        var call = await run.Client.ChatAsync(tenant, 0, "cross the threshold: where is my order?");
        if (!report.Check("the call crossing the 1% threshold is answered", call.Succeeded, call.Outcome))
        {
            return;
        }
        var held = await Wait.UntilAsync(() => !receiver.Held.IsEmpty, TimeSpan.FromSeconds(20));
        if (!report.Check("a silo starts delivering usage.threshold (the receiver holds it unanswered)", held,
                held ? $"held from port {receiver.Held.First().SenderPort}" : "nothing arrived within 20 s"))
        {
            return;
        }
        var first = receiver.Held.First();
        var silos = await run.Control.ProcessesAsync();
        var candidates = silos.Where(process => process.Name.StartsWith("silo", StringComparison.Ordinal) && process.Running).ToList();
        var ownerPid = SocketOwner.Find(first.SenderPort, receiver.Port, candidates.Select(process => process.Pid));
        var victim = candidates.FirstOrDefault(process => process.Pid == ownerPid);
        if (!report.Check("the delivering silo is found from the held connection", victim is not null,
                victim is null ? "no silo holds that connection" : $"{victim.Name} (pid {victim.Pid})"))
        {
            return;
        }

        // Later attempts are answered; the one in flight dies with its silo.
        receiver.Holding = false;
        var killedAt = SuiteClock.Now;
        await run.Control.KillAsync(victim!.Name);
        Report.Info($"kill -9 {victim.Name} at {Invariants.Seconds(killedAt)}, {Invariants.Duration(killedAt - first.At)} after it began delivering event {first.EventId}");

        var delivered = await Wait.UntilAsync(() => !receiver.Delivered.IsEmpty, TakeoverBound);
        var deliveredAt = delivered ? receiver.Delivered.First().At : SuiteClock.Now;
        report.Check($"the other silo delivers the event after the lease runs out (within {TakeoverBound.TotalSeconds:0} s)", delivered,
            delivered ? $"delivered {Invariants.Duration(deliveredAt - killedAt)} after the kill" : "not delivered");
        if (delivered)
        {
            await Task.Delay(QuietAfterDelivery);
            var copies = receiver.Delivered.ToList();
            var events = copies.Concat(receiver.Held).Select(webhook => webhook.EventId).Distinct().ToList();
            report.Check("the receiver gets it exactly once, by id, and no other event", copies.Count == 1 && events.Count == 1
                && copies[0].EventId == first.EventId && first.EventId is not null,
                $"{copies.Count} answered deliveries of {string.Join(", ", events)}; held one was {first.EventId}");
            report.Check("the delivery is signed with the tenant's webhook secret", secret is not null && WebhookReceiver.IsSignedWith(copies[0], secret),
                copies[0].Signature ?? "no signature");
            var (rows, attempts, deliveredInOutbox) = await OutboxAsync(tenant.Id);
            report.Check("the outbox holds one usage.threshold event, delivered on its second attempt", rows == 1 && deliveredInOutbox && attempts == 2,
                $"rows {rows}, attempts {attempts}, delivered {deliveredInOutbox}");
        }

        await run.StartAgainAsync(victim.Name);
    }

    private async Task<(long Rows, int Attempts, bool Delivered)> OutboxAsync(Guid tenantId)
    {
        await using var db = NpgsqlDataSource.Create(run.Settings.Postgres);
        await using var command = db.CreateCommand("""
            select count(*), coalesce(max(attempts), 0), bool_and(delivered_at is not null)
            from webhook_outbox where tenant_id = @tenant_id and event_type = 'usage.threshold'
            """);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt32(1), !reader.IsDBNull(2) && reader.GetBoolean(2));
    }
}
