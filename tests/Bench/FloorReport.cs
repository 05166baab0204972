using System.Globalization;
using static TenantChat.Bench.Targets;

namespace TenantChat.Bench;

/// <summary>docs/benchmarks.md's commit floor: pgbench's one-row insert + commit and pg_test_fsync, measured in the same run.</summary>
public static class FloorReport
{
    public static void Render(BenchReport r, Action<FormattableString> line)
    {
        line($"## The commit floor");
        line($"");
        if (r.CommitFloor is not { } f)
        {
            line($"Not measured in this run.");
            line($"");
            return;
        }
        line($"| measure | commits/s | p50 ms | p90 ms | p99 ms | max ms | postgres µs/commit |");
        line($"| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        line($"| pgbench: one-row insert + commit, c={f.Clients} | {F(f.TransactionsPerSecond)} | {f.Latency.P50Ms:0.00} | {f.Latency.P90Ms:0.00} | {f.Latency.P99Ms:0.00} | {f.Latency.MaxMs:0.0} | {(f.TransactionsPerSecond == 0 ? 0 : f.Cpu.Postgres / f.TransactionsPerSecond * 1e6):0} |");
        line($"| pg_test_fsync: fdatasync of one 8 kB write | {F(f.FdatasyncPerSecond)} | {f.FdatasyncMicroseconds / 1000:0.000} | | | | |");
        line($"");
        line($"pgbench runs against this run's PostgreSQL (a database of its own, the same server, WAL and disk), {f.Clients} clients, prepared");
        line($"statements, each transaction one insert of a row with a primary key, committed with `fsync` on: the least a durable");
        line($"chat call can wait for at that concurrency. Its latencies are pgbench's own per-transaction log. The added-latency");
        line($"targets are measured against it: the chat call's p50 (p99) over the direct upstream call, at c=8, against this p50 + 1 ms");
        line($"(p99 + 5 ms). pg_test_fsync's figure is one sync alone; group commit lets concurrent commits share one.");
        line($"");
    }
}
