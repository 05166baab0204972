namespace TenantChat.FaultSuite;

/// <summary>What every scenario works with: the API, the ledger, the process control, the report, and the tenants made so far.</summary>
public sealed class FaultRun(SuiteSettings settings, TenantChatClient client, Ledger ledger, ClusterControl control, Report report)
{
    // Domains carry the run's id, so a leftover database could never make tenant creation collide.
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private readonly List<FaultTenant> _tenants = [];

    public SuiteSettings Settings => settings;

    public TenantChatClient Client => client;

    public Ledger Ledger => ledger;

    public ClusterControl Control => control;

    public Report Report => report;

    /// <summary>Every tenant created so far, for the ledger checks that span scenarios.</summary>
    public IReadOnlyList<FaultTenant> AllTenants => _tenants;

    /// <summary>
    /// Creates <paramref name="count"/> tenants named after <paramref name="prefix"/> through the operator API.
    /// <paramref name="upstreamMarker"/> goes into the system parameter, where the fake upstream reads it (e.g.
    /// <c>[fake:delay=1500]</c>).
    /// </summary>
    public async Task<IReadOnlyList<FaultTenant>> CreateTenantsAsync(
        string prefix, int count, long tokenLimit, int? maxOutputTokens = null, int? rateLimitRpm = null, string? upstreamMarker = null)
    {
        var created = new List<FaultTenant>();
        for (var index = 0; index < count; index++)
        {
            var domain = $"{prefix}-{index}-{_runId}.fault.test";
            var body = new Dictionary<string, object>
            {
                ["name"] = $"Fault suite {prefix} {index}",
                ["domain"] = domain,
                ["system_prompt"] = $"You are the support desk of {prefix} customer {index}. Answer briefly. {upstreamMarker}".TrimEnd(),
                ["token_limit"] = tokenLimit,
                ["model"] = "fault-model",
            };
            if (maxOutputTokens is { } max)
            {
                body["max_output_tokens"] = max;
            }
            if (rateLimitRpm is { } rpm)
            {
                body["rate_limit_rpm"] = rpm;
            }
            created.Add(await client.CreateTenantAsync(index, body));
        }
        _tenants.AddRange(created);
        Report.Info($"created {count} tenants: {string.Join(", ", created.Select(tenant => tenant.Domain))}");
        return created;
    }

    /// <summary>SIGTERM to <paramref name="service"/>, returning when it has exited; null, or why it did not exit in time.</summary>
    public async Task<string?> TryTerminateAsync(string service)
    {
        try
        {
            await control.TerminateAsync(service);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            return e.Message;
        }
    }

    /// <summary>Starts a stopped <paramref name="service"/> as a new process, so the scenarios after this one have it again.</summary>
    public async Task StartAgainAsync(string service)
    {
        var started = SuiteClock.Now;
        try
        {
            await control.StartAsync(service);
            report.Check($"{service} restarts as a new process and is ready", true,
                $"pid {await control.PidAsync(service)}, ready after {Invariants.Duration(SuiteClock.Now - started)}");
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            report.Check($"{service} restarts as a new process and is ready", false, e.Message);
        }
    }
}
