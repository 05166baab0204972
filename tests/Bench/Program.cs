using System.Text.Json;
using TenantChat.Bench;

// The measuring half of scripts/bench.sh, which starts and stops the processes:
//   main    seeds tenants and measures against the zero-latency upstream
//   knowledge  one hot tenant with knowledge on, right after main on the same processes
//   slow    measures against the 200 ms upstream (after the script restarted the silo and frontend)
//   report  merges the phases' results into docs/benchmarks.{md,json}
switch (args.FirstOrDefault())
{
    case "main" or "knowledge" or "slow":
        var options = BenchOptions.FromEnvironment();
        using (var client = new LoadClient(options))
        {
            await using var database = await DatabaseProbe.OpenAsync(options.Postgres);
            using var jit = new JitProbe(options.MetricsUrls);
            var phases = new Phases(options, client, new ProcessProbe(options), database, jit);
            var results = args[0] switch
            {
                "main" => await phases.MainAsync(),
                "knowledge" => await phases.KnowledgeAsync(),
                _ => await phases.SlowAsync(),
            };
            Directory.CreateDirectory(options.ResultsDirectory);
            await File.WriteAllTextAsync(Path.Combine(options.ResultsDirectory, $"{args[0]}.json"), JsonSerializer.Serialize(results, Report.Json));
        }
        return 0;
    case "report" when args.Length == 3:
        await Report.WriteAsync(args[1], args[2]);
        return 0;
    default:
        Console.Error.WriteLine("usage: TenantChat.Bench main|knowledge|slow (configured by BENCH_* variables) | report RESULTS_DIR DOCS_DIR");
        return 2;
}
