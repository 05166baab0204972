using System.Globalization;

namespace TenantChat.Bench;

/// <summary>
/// The "knowledge" phase, run right after "main" on the same silo and frontend: one hot tenant with knowledge on
/// (a few hundred articles indexed before the load starts; every call embeds its prompt, searches and sends the
/// chunks found upstream), at the concurrencies of main's hot tenant with knowledge off, so the report sets them
/// side by side (<see cref="KnowledgeReport"/>).
/// </summary>
public sealed partial class Phases
{
    public const string KnowledgeDomain = "knowledge.bench";

    /// <summary>The scenario id of the knowledge-on hot tenant at <paramref name="connections"/>; main's knowledge-off one is <c>hot-c{n}</c>.</summary>
    public static string KnowledgeScenario(int connections) => $"knowledge-hot-c{connections}";

    /// <summary>The tenant-scoped read of the phase: the newest 20 messages of the tenant's history.</summary>
    public const string HistoryPath = "/api/chat/messages?limit=20";

    public static string HistoryScenario(int connections) => $"history-c{connections}";

    public async Task<PhaseResults> KnowledgeAsync()
    {
        await MeasureIdleAsync();
        Log($"seeding {KnowledgeDomain} with knowledge on and {options.KnowledgeItems} articles, and waiting until they are indexed");
        using var seed = new KnowledgeSeed(options);
        var seeded = await seed.SeedAsync(KnowledgeDomain, options.KnowledgeItems, TimeSpan.FromMinutes(10));
        Log($"{seeded.Items} articles indexed as {seeded.Chunks} chunks in {seeded.Indexing.TotalSeconds:0.0} s");

        var environment = new Dictionary<string, string>
        {
            ["BENCH_MODE"] = "chat", ["BENCH_HOST"] = KnowledgeDomain, ["BENCH_PROMPT"] = KnowledgeCorpus.Prompt,
        };
        foreach (var connections in (int[])[8, 64])
        {
            var title = string.Format(CultureInfo.InvariantCulture, "/api/chat/call, 1 hot tenant, knowledge on ({0:N0} articles, {1:N0} chunks)",
                seeded.Items, seeded.Chunks);
            await WrkAsync(KnowledgeScenario(connections), title, "chat", 1, connections, ChatUrl, environment);
        }
        // A tenant user's own reads: every statement runs under the tenant's row-level security scope, so comparing a
        // run with Database__RowLevelSecurity=false in BENCH_SILO_ENV shows what the policy costs where it applies
        // (the chat call's batched writes are a cross-tenant path that the policy does not cover).
        var reads = new Dictionary<string, string>
        {
            ["BENCH_MODE"] = "get", ["BENCH_HOST"] = KnowledgeDomain, ["BENCH_PATH"] = HistoryPath, ["BENCH_TOKEN"] = seeded.Token,
        };
        foreach (var connections in (int[])[8, 64])
        {
            await WrkAsync(HistoryScenario(connections), $"GET {HistoryPath}, 1 tenant user reading its history", "read", 1, connections, ChatUrl, reads);
        }
        return await ResultsAsync("knowledge");
    }
}
