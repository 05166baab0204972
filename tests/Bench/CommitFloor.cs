using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace TenantChat.Bench;

/// <summary>
/// What a durable commit costs on this machine, measured in the same run as the chat calls: pgbench committing a
/// one-row insert per transaction from 8 clients against the benchmark's own PostgreSQL (in a database of its own),
/// and pg_test_fsync's figure for one fdatasync of an 8 kB write on the database's disk.
/// </summary>
public static partial class CommitFloor
{
    public const int Clients = 8;
    private const string Database = "commit_floor";

    public static async Task<CommitFloorResult?> MeasureAsync(BenchOptions options, ProcessProbe processes)
    {
        if (options.PostgresBin is not { } bin || options.PostgresDirectory is not { } directory)
        {
            return null;
        }
        var target = new NpgsqlConnectionStringBuilder(options.Postgres);
        await PrepareAsync(target);
        var script = Path.Combine(options.ResultsDirectory, "commit-floor.sql");
        Directory.CreateDirectory(options.ResultsDirectory);
        await File.WriteAllTextAsync(script, "insert into floor_rows (payload) values ('one row');\n");
        string[] connection = ["-h", target.Host!, "-p", target.Port.ToString(CultureInfo.InvariantCulture), "-U", target.Username!, Database];
        string[] Arguments(int seconds, params string[] extra) =>
            ["-n", "-M", "prepared", "-c", Clients.ToString(CultureInfo.InvariantCulture), "-j", "2", "-T", seconds.ToString(CultureInfo.InvariantCulture),
             "-f", script, .. extra, .. connection];

        Phases.Log($"commit floor: pgbench, one-row insert + commit, c={Clients}, {options.Seconds}s (after {options.WarmupSeconds}s of warm-up)");
        var pgbench = Path.Combine(bin, "pgbench");
        if (options.WarmupSeconds > 0)
        {
            Check(await TimedCommand.RunAsync(pgbench, Arguments(options.WarmupSeconds)), "pgbench");
        }
        var logs = Path.Combine(options.ResultsDirectory, "pgbench-log");
        Directory.CreateDirectory(logs);
        var before = processes.Take();
        var run = Check(await TimedCommand.RunAsync(pgbench, Arguments(options.Seconds, "-l", $"--log-prefix={Path.Combine(logs, "tx")}")), "pgbench");
        var cpu = ProcessProbe.Between(before, processes.Take(), run.CpuSeconds);
        var latencies = ReadLatencies(logs);
        var latency = Latency.Of(latencies);
        var perSecond = Math.Round(latencies.Count / (double)options.Seconds, 1);
        Phases.Log($"commit floor: {perSecond} commits/s, p50 {latency.P50Ms} ms, p99 {latency.P99Ms} ms");

        Phases.Log($"commit floor: pg_test_fsync -s {options.FsyncSeconds} on the database's disk");
        var fsync = Check(await TimedCommand.RunAsync(Path.Combine(bin, "pg_test_fsync"),
            ["-s", options.FsyncSeconds.ToString(CultureInfo.InvariantCulture), "-f", Path.Combine(directory, "pg_test_fsync.out")]), "pg_test_fsync");
        File.Delete(Path.Combine(directory, "pg_test_fsync.out"));
        await File.WriteAllTextAsync(Path.Combine(options.ResultsDirectory, "pg_test_fsync.txt"), fsync.Output);
        var (opsPerSecond, microseconds) = FirstFdatasync(fsync.Output);
        Phases.Log($"commit floor: fdatasync of one 8 kB write: {opsPerSecond} per second, {microseconds} µs each");
        return new CommitFloorResult(Clients, latencies.Count, perSecond, latency, opsPerSecond, microseconds, cpu);
    }

    private static async Task PrepareAsync(NpgsqlConnectionStringBuilder target)
    {
        var admin = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var exists = new NpgsqlCommand($"select count(*) from pg_database where datname = '{Database}'", connection);
            if ((long)(await exists.ExecuteScalarAsync())! == 0)
            {
                await using var create = new NpgsqlCommand($"create database {Database}", connection);
                await create.ExecuteNonQueryAsync();
            }
        }
        var floor = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = Database, Pooling = false };
        await using (var connection = new NpgsqlConnection(floor.ConnectionString))
        {
            await connection.OpenAsync();
            // Like a chat message: a row with a primary key, committed on its own.
            await using var table = new NpgsqlCommand(
                "create table if not exists floor_rows (id bigint generated always as identity primary key, payload text not null)", connection);
            await table.ExecuteNonQueryAsync();
        }
    }

    private static TimedCommand.Result Check(TimedCommand.Result result, string name) =>
        result.ExitCode == 0 ? result : throw new InvalidOperationException($"{name} failed (exit {result.ExitCode}):\n{result.Output}\n{result.Errors}");

    /// <summary>pgbench's per-transaction log: "client transaction latency_us script epoch_s epoch_us" per line, one file per thread.</summary>
    private static List<double> ReadLatencies(string directory)
    {
        var latencies = new List<double>();
        foreach (var file in Directory.GetFiles(directory, "tx.*"))
        {
            foreach (var line in File.ReadLines(file))
            {
                var fields = line.Split(' ');
                if (fields.Length >= 3 && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var microseconds))
                {
                    latencies.Add(microseconds / 1000.0);
                }
            }
        }
        return latencies;
    }

    /// <summary>The first fdatasync line: the section "Compare file sync methods using one 8kB write".</summary>
    private static (double OpsPerSecond, double Microseconds) FirstFdatasync(string output)
    {
        var match = FdatasyncLine().Match(output);
        return match.Success
            ? (double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture))
            : throw new InvalidOperationException($"No fdatasync figure in pg_test_fsync's output:\n{output}");
    }

    [GeneratedRegex(@"^\s+fdatasync\s+([0-9.]+) ops/sec\s+([0-9.]+) usecs/op", RegexOptions.Multiline)]
    private static partial Regex FdatasyncLine();
}
