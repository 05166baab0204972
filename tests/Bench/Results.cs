namespace TenantChat.Bench;

// The records written as JSON: the raw results of each phase (.local/bench/results) and docs/benchmarks.json.

/// <summary>Latency of the requests of one measurement, in milliseconds.</summary>
public sealed record class Latency(double P50Ms, double P90Ms, double P99Ms, double MaxMs, double MeanMs)
{
    /// <summary>The percentiles of <paramref name="milliseconds"/> (nearest rank).</summary>
    public static Latency Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        double At(double percentile) => sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile / 100 * sorted.Length) - 1)], 3);
        return new Latency(At(50), At(90), At(99), At(100), sorted.Length == 0 ? 0 : Math.Round(sorted.Average(), 3));
    }
}

/// <summary>Failed requests: answers other than 2xx, and connect/read/write errors or timeouts of the socket.</summary>
public sealed record class Errors(long Non2xx, long Socket);

/// <summary>One SQL statement (normalized by pg_stat_statements) and how often it ran in a measurement.</summary>
public sealed record class StatementUse(string Query, long Calls);

/// <summary>
/// What the database did for a measurement. Statements come from pg_stat_statements; write transactions from the
/// transaction ids handed out; round trips are estimated as write transactions plus read-only statements (a batch
/// of writes is one transaction and one round trip).
/// </summary>
public sealed record class DatabaseUse(
    long ChatCallsOk, long StoredMessages, long Statements, long WriteTransactions, long ReadStatements,
    double StatementsPerCall, double RoundTripsPerCall, IReadOnlyList<StatementUse> Top);

/// <summary>
/// CPU used during a measurement, in cores (CPU seconds per wall second) for each process group; <c>Other</c> is
/// the machine's busy time that none of them used (other work on a shared machine, and kernel time not charged
/// to a process).
/// </summary>
public sealed record class CpuUse(
    double Silo, double Frontend, double Postgres, double Upstream, double Peer, double LoadGenerator, double MachineBusy, double Other)
{
    /// <summary>TenantChat's own processes together: silo, frontend and PostgreSQL.</summary>
    public double System => Silo + Frontend + Postgres;
}

/// <summary>
/// The commit floor: pgbench's one-row insert + commit at <c>Clients</c> connections (latency per transaction), and
/// pg_test_fsync's fdatasync of one 8 kB write. <c>Cpu</c> is what the machine's processes used meanwhile.
/// </summary>
public sealed record class CommitFloorResult(
    int Clients, long Transactions, double TransactionsPerSecond, Latency Latency, double FdatasyncPerSecond, double FdatasyncMicroseconds, CpuUse Cpu);

/// <summary>One fixed-duration load run (wrk).</summary>
public sealed record class Scenario(
    string Id, string Title, string Target, int Tenants, int Connections, double Seconds, long Requests,
    double RequestsPerSecond, Latency Latency, Errors Errors, DatabaseUse? Database, CpuUse Cpu);

/// <summary>A fixed number of calls made by our own client: all at once (a burst) or over many tenants.</summary>
public sealed record class CountedRun(
    string Id, string Title, int Calls, int Parallelism, long Ok, long Failed, long? Stored, double WallMs,
    Latency Latency, CpuUse Cpu);

/// <summary>The silo's and frontend's resident memory at a point of the run.</summary>
public sealed record class MemoryPoint(string Label, int ActiveTenants, double SiloRssMb, double SiloPeakRssMb, double FrontendRssMb);

/// <summary>
/// The unmeasured chat load before the first chat row: how long it ran, and the methods the silo and the frontend
/// compiled in its last round (<see cref="BenchOptions.JitRoundSeconds"/>); <c>Settled</c> is false when it stopped at
/// its longest before the JIT went quiet.
/// </summary>
public sealed record class ChatWarmup(double Seconds, int Rounds, long LastRoundSiloMethods, long LastRoundFrontendMethods, bool Settled);

/// <summary>The raw results of one phase of the run; the report merges the phases.</summary>
public sealed record class PhaseResults(
    string Phase, string Postgres, CpuUse Idle, IReadOnlyList<Scenario> Scenarios, IReadOnlyList<CountedRun> Counted,
    IReadOnlyList<MemoryPoint> Memory, CommitFloorResult? CommitFloor, ChatWarmup? Warmup = null);

/// <summary>One target of issue 11 against what this run measured; <c>Margin</c> says by how much it is met or missed.</summary>
public sealed record class TargetCheck(string Target, string Goal, string Measured, bool Met, string Margin);

/// <summary>A chat (or peer) scenario next to the direct upstream call at the same concurrency, measured in the same run.</summary>
public sealed record class FloorRatio(string Scenario, string Floor, double ThroughputRatio, double AddedP50Ms, double AddedP90Ms, double AddedP99Ms);

/// <summary>A TenantChat scenario against a peer at the same concurrency: TenantChat's figure divided by the peer's.</summary>
public sealed record class PeerRatio(string Scenario, string Peer, int Connections, double ThroughputRatio, double P50Ratio, double P99Ratio);

/// <summary>The machine the run was on.</summary>
public sealed record class Machine(int Cores, string CpuModel, double MemoryGib, string Os, string Kernel);

/// <summary>docs/benchmarks.json: everything the Markdown report shows, and the raw measurements behind it.</summary>
public sealed record class BenchReport(
    string GeneratedAt, string Commit, double? WallSeconds, Machine Machine, string Runtime, string Postgres, string Switches,
    IReadOnlyList<CpuUse> IdleBeforePhases, int Tenants, int ActiveTenants, IReadOnlyList<TargetCheck> Targets,
    IReadOnlyList<FloorRatio> RatiosToFloor, IReadOnlyList<PeerRatio> RatiosToPeers, CommitFloorResult? CommitFloor,
    IReadOnlyList<Scenario> Scenarios, IReadOnlyList<CountedRun> CountedRuns, IReadOnlyList<MemoryPoint> Memory, ChatWarmup? ChatWarmup);
