using System.Globalization;

namespace TenantChat.Bench;

/// <summary>
/// What scripts/bench.sh hands over, as BENCH_* environment variables (so secrets such as the operator key
/// never show in a process list).
/// </summary>
public sealed class BenchOptions
{
    public required Uri Api { get; init; }
    public required Uri Upstream { get; init; }
    public required string Postgres { get; init; }
    public required string AdminKey { get; init; }
    public required int SiloPid { get; init; }
    public required int FrontendPid { get; init; }
    public required int PostgresPid { get; init; }
    public required IReadOnlyList<int> UpstreamPids { get; init; }
    public required string WrkScript { get; init; }
    public required string ResultsDirectory { get; init; }
    public int Seconds { get; init; } = 15;
    public int WarmupSeconds { get; init; } = 3;

    /// <summary>
    /// Unmeasured chat load before the first measured chat row, at least this long, so every chat path runs at its
    /// final JIT tier. With only 20 s of it the first row (hot tenant, c=8) measured the JIT too: 9-13% of the silo's
    /// and the frontend's CPU samples.
    /// </summary>
    public int ChatWarmupSeconds { get; init; } = 150;

    /// <summary>
    /// After <see cref="ChatWarmupSeconds"/>, chat load goes on in rounds of <see cref="JitRoundSeconds"/> until a round
    /// in which the silo and the frontend together compiled at most <see cref="JitQuietMethods"/> methods, or until
    /// this many seconds of warm-up in all.
    /// </summary>
    public int ChatWarmupMaxSeconds { get; init; } = 300;

    public const int JitRoundSeconds = 10;

    public int JitQuietMethods { get; init; } = 100;

    /// <summary>The silo's and the frontend's <c>/metrics</c>, read for their JIT counters.</summary>
    public IReadOnlyList<Uri> MetricsUrls { get; init; } = [];
    public int Tenants { get; init; } = 1000;
    public int ActiveTenants { get; init; } = 10_000;
    public int BurstCalls { get; init; } = 500;

    /// <summary>Articles of the knowledge-on tenant, indexed before its runs.</summary>
    public int KnowledgeItems { get; init; } = 300;

    /// <summary>The fake upstream's OpenAI-compatible route, called directly: the floor of the peers.</summary>
    public Uri? OpenAiUpstream { get; init; }

    /// <summary>nginx as a bare reverse proxy in front of that route (the same path on its own port).</summary>
    public Uri? Nginx { get; init; }

    /// <summary>The Portkey gateway's base URL; it proxies to <see cref="OpenAiUpstream"/> as a custom OpenAI host.</summary>
    public Uri? Portkey { get; init; }

    /// <summary>The peers' processes (nginx's master with its workers, node), for their CPU.</summary>
    public IReadOnlyList<int> PeerPids { get; init; } = [];

    /// <summary>PostgreSQL's programs (pgbench, pg_test_fsync) and the folder of the database's files.</summary>
    public string? PostgresBin { get; init; }

    public string? PostgresDirectory { get; init; }

    /// <summary>Seconds per test of pg_test_fsync (it runs about fifteen).</summary>
    public int FsyncSeconds { get; init; } = 2;

    public const string HotDomain = "hot.bench";
    public const string Prompt = "Explain the theory of relativity simply";
    public const string SystemPrompt = "You are a patient support agent. Answer in two short sentences.";
    public const string Model = "bench-1";

    /// <summary>The domain of the bench tenant number <paramref name="n"/> (1-based): t0001.bench, t0002.bench, ...</summary>
    public static string TenantDomain(int n) => string.Format(CultureInfo.InvariantCulture, "t{0:D4}.bench", n);

    /// <summary>The same pattern for wrk.lua (Lua's string.format).</summary>
    public const string TenantDomainLuaFormat = "t%04d.bench";

    public static BenchOptions FromEnvironment() => new()
    {
        Api = new Uri(Required("BENCH_API")),
        Upstream = new Uri(Required("BENCH_UPSTREAM")),
        Postgres = Required("BENCH_PG"),
        AdminKey = Required("BENCH_ADMIN_KEY"),
        SiloPid = Number("BENCH_SILO_PID", null),
        FrontendPid = Number("BENCH_FRONTEND_PID", null),
        PostgresPid = Number("BENCH_POSTGRES_PID", null),
        UpstreamPids = [.. Required("BENCH_UPSTREAM_PIDS").Split(',').Select(pid => int.Parse(pid, CultureInfo.InvariantCulture))],
        WrkScript = Required("BENCH_WRK_SCRIPT"),
        ResultsDirectory = Required("BENCH_RESULTS"),
        Seconds = Number("BENCH_SECONDS", 15),
        WarmupSeconds = Number("BENCH_WARMUP_SECONDS", 3),
        ChatWarmupSeconds = Number("BENCH_CHAT_WARMUP_SECONDS", 150),
        ChatWarmupMaxSeconds = Number("BENCH_CHAT_WARMUP_MAX_SECONDS", 300),
        JitQuietMethods = Number("BENCH_JIT_QUIET_METHODS", 100),
        MetricsUrls = [.. Required("BENCH_METRICS").Split(',').Select(url => new Uri(url))],
        Tenants = Number("BENCH_TENANTS", 1000),
        ActiveTenants = Number("BENCH_ACTIVE_TENANTS", 10_000),
        BurstCalls = Number("BENCH_BURST_CALLS", 500),
        KnowledgeItems = Number("BENCH_KNOWLEDGE_ITEMS", 300),
        OpenAiUpstream = Optional("BENCH_OPENAI_UPSTREAM") is { } openAi ? new Uri(openAi) : null,
        Nginx = Optional("BENCH_NGINX") is { } nginx ? new Uri(nginx) : null,
        Portkey = Optional("BENCH_PORTKEY") is { } portkey ? new Uri(portkey) : null,
        PeerPids = [.. (Optional("BENCH_PEER_PIDS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(pid => int.Parse(pid, CultureInfo.InvariantCulture))],
        PostgresBin = Optional("BENCH_PG_BIN"),
        PostgresDirectory = Optional("BENCH_PG_DIR"),
        FsyncSeconds = Number("BENCH_FSYNC_SECONDS", 2),
    };

    private static string? Optional(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;

    public static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set (scripts/bench.sh sets it).");

    private static int Number(string name, int? fallback) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? int.Parse(value, CultureInfo.InvariantCulture)
            : fallback ?? throw new InvalidOperationException($"{name} is not set (scripts/bench.sh sets it).");
}
