namespace TenantChat.FaultSuite;

/// <summary>
/// What scripts/fault-suite.sh tells the suite, through environment variables (the operator key stays out of
/// <c>ps</c>): the frontends, the operator key, the database, the cluster, and the control script through which
/// the suite asks the harness to kill and start processes.
/// </summary>
public sealed record class SuiteSettings(
    IReadOnlyList<Uri> Frontends,
    string AdminKey,
    string Postgres,
    string ClusterId,
    string ControlScript,
    IReadOnlyDictionary<string, int> SiloPorts)
{
    public static SuiteSettings FromEnvironment() => new(
        [.. Required("FAULT_FRONTENDS").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(url => new Uri(url))],
        Required("FAULT_ADMIN_KEY"),
        Required("FAULT_POSTGRES"),
        Required("FAULT_CLUSTER_ID"),
        Required("FAULT_CONTROL"),
        Required("FAULT_SILOS").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(entry => entry.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture)));

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set; run the suite through scripts/fault-suite.sh.");
}
