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

    /// <summary>Creates <paramref name="count"/> tenants named after <paramref name="prefix"/> through the operator API.</summary>
    public async Task<IReadOnlyList<FaultTenant>> CreateTenantsAsync(string prefix, int count, long tokenLimit, int? maxOutputTokens = null)
    {
        var created = new List<FaultTenant>();
        for (var index = 0; index < count; index++)
        {
            var domain = $"{prefix}-{index}-{_runId}.fault.test";
            var body = new Dictionary<string, object>
            {
                ["name"] = $"Fault suite {prefix} {index}",
                ["domain"] = domain,
                ["system_prompt"] = $"You are the support desk of {prefix} customer {index}. Answer briefly.",
                ["token_limit"] = tokenLimit,
                ["model"] = "fault-model",
            };
            if (maxOutputTokens is { } max)
            {
                body["max_output_tokens"] = max;
            }
            created.Add(await client.CreateTenantAsync(index, body));
        }
        _tenants.AddRange(created);
        Report.Info($"created {count} tenants: {string.Join(", ", created.Select(tenant => tenant.Domain))}");
        return created;
    }
}
