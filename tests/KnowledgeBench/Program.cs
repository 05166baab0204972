using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using TenantChat.Grains.Knowledge;
using TenantChat.Grains.Persistence;
using TenantChat.KnowledgeBench;

// Usage: TenantChat.KnowledgeBench CONNECTION_STRING REPORT_PATH [CHUNKS]
// The database must have the project's schema (scripts/bench-knowledge.sh applies sql/ first).
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: TenantChat.KnowledgeBench CONNECTION_STRING REPORT_PATH [CHUNKS]");
    return 2;
}
var chunks = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10_000;
await using var db = NpgsqlDataSource.Create(args[0]);
await using var embedder = new SentenceEmbedder(Options.Create(new KnowledgeOptions { EmbeddingWorkers = 1 }), NullLogger<SentenceEmbedder>.Instance);
var report = new Report();

var workingSet = Process.GetCurrentProcess().WorkingSet64;
var load = Stopwatch.StartNew();
await embedder.EmbedQuestionAsync("warm up");
report.Add("model load and first question", $"{load.ElapsedMilliseconds} ms");
report.Add("process memory the loaded model adds (working set)", $"{(Process.GetCurrentProcess().WorkingSet64 - workingSet) / 1048576.0:F0} MB");

// Embedding throughput on one worker (one core): real chunk-sized texts, as indexing sends them.
var documents = Corpus.Chunks(256).ToList();
var clock = Stopwatch.StartNew();
var cpu = Process.GetCurrentProcess().TotalProcessorTime;
var vectors = await embedder.EmbedDocumentAsync(documents);
var seconds = clock.Elapsed.TotalSeconds;
var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
// Per core: chunks per second of CPU the process spent (on a shared machine the worker does not always get its core).
report.Add("embedding throughput per core", $"{documents.Count / cpuSeconds:F1} chunks per CPU-second ({1000 * cpuSeconds / documents.Count:F1} ms of CPU per chunk of ~{documents.Average(text => text.Length):F0} chars)");
report.Add("embedding throughput, 1 worker, wall clock", $"{documents.Count / seconds:F1} chunks/s ({cpuSeconds / seconds:F2} cores used on average)");
var questionTimes = new List<double>();
foreach (var question in Corpus.Questions(50))
{
    clock.Restart();
    await embedder.EmbedQuestionAsync(question);
    questionTimes.Add(clock.Elapsed.TotalMilliseconds);
}
report.Add("embedding one question", Percentiles(questionTimes));

// One tenant with CHUNKS chunks in PostgreSQL: the real vectors, repeated with a little noise (search cost does not
// depend on what the vectors say), and texts made of support sentences with codes for the full-text side.
var tenant = await Seed.TenantAsync(db, chunks, vectors);
// KNOWLEDGE_BENCH_RLS=0 runs the searches without the row-level security scope, to measure what the wall costs here.
var rowLevelSecurity = Environment.GetEnvironmentVariable("KNOWLEDGE_BENCH_RLS") != "0";
var store = new KnowledgeStore(new TenantDatabase(db, Options.Create(new DatabaseOptions { RowLevelSecurity = rowLevelSecurity })));
report.Add("row-level security scope on the searches", rowLevelSecurity ? "on (as the silo runs them)" : "off (KNOWLEDGE_BENCH_RLS=0)");
GC.Collect();
var before = GC.GetTotalMemory(forceFullCollection: true);
var held = new ChunkVectors();
clock.Restart();
await store.LoadAsync(tenant, held, CancellationToken.None);
held.TrimExcess();
var loadMs = clock.ElapsedMilliseconds;
var after = GC.GetTotalMemory(forceFullCollection: true);
report.Add($"loading {held.Count:N0} chunks from PostgreSQL", $"{loadMs} ms");
report.Add($"memory of {held.Count:N0} chunks in the grain", $"{(after - before) / 1048576.0:F1} MB managed ({(after - before) / (double)held.Count:F0} bytes per chunk)");

var vectorTimes = new List<double>();
var sqlTimes = new List<double>();
var totalTimes = new List<double>();
var questions = Corpus.Questions(200).ToList();
var questionVectors = new List<float[]>();
foreach (var question in questions)
{
    questionVectors.Add(await embedder.EmbedQuestionAsync(question));
}
for (var round = 0; round < 2; round++)
{
    for (var i = 0; i < questions.Count; i++)
    {
        var total = Stopwatch.StartNew();
        var nearest = held.Nearest(questionVectors[i], KnowledgeRanking.Candidates);
        var vectorMs = total.Elapsed.TotalMilliseconds;
        var rows = await store.FindAsync(tenant, questions[i], [.. nearest.Select(hit => hit.Key)], KnowledgeRanking.Candidates);
        var sqlMs = total.Elapsed.TotalMilliseconds - vectorMs;
        KnowledgeRanking.Rank(rows, held, questionVectors[i]);
        if (round == 1)
        {
            vectorTimes.Add(vectorMs);
            sqlTimes.Add(sqlMs);
            totalTimes.Add(total.Elapsed.TotalMilliseconds);
        }
    }
}
report.Add($"search over {held.Count:N0} chunks: in-memory nearest 40", Percentiles(vectorTimes));
report.Add($"search over {held.Count:N0} chunks: PostgreSQL words + chunk texts", Percentiles(sqlTimes));
report.Add($"search over {held.Count:N0} chunks: total without the question's embedding", Percentiles(totalTimes));

await report.WriteAsync(args[1], chunks);
return 0;

static string Percentiles(List<double> times)
{
    times.Sort();
    double At(double p) => times[Math.Min(times.Count - 1, (int)Math.Ceiling(p * times.Count) - 1)];
    return string.Create(CultureInfo.InvariantCulture, $"p50 {At(0.5):F2} ms, p99 {At(0.99):F2} ms ({times.Count} runs)");
}
