using System.Data.Common;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using TenantChat.Grains.Models;
using TenantChat.Grains.Tokens;
using TenantChat.Telemetry;

namespace TenantChat.Grains.Knowledge;

/// <summary>
/// One tenant's knowledge. On activation it loads the tenant's chunk embeddings into memory and queues every item
/// not indexed at its current version; while active it indexes items as they are written (one at a time, in the
/// background, retried with backoff until it succeeds) and answers searches. A search embeds the question on the
/// silo's embedding workers, takes the nearest chunks from memory and the word matches from PostgreSQL, and keeps
/// only chunks of items that still exist, read in the same statement: a deleted item is never returned.
/// Reentrant: a search or an indexing step waiting on the embedder or the database lets the others run.
/// </summary>
[Reentrant]
public sealed class KnowledgeGrain(
    KnowledgeStore store, ISentenceEmbedder embedder, TokenCounter tokens, TimeProvider clock, ILogger<KnowledgeGrain> logger)
    : Grain, IKnowledgeGrain
{
    private static readonly TimeSpan Sweep = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(60);

    private readonly ChunkVectors _vectors = new();
    private readonly HashSet<Guid> _pending = [];
    private readonly HashSet<Guid> _deleted = [];
    private readonly Dictionary<Guid, int> _failures = [];
    private Task _indexing = Task.CompletedTask;

    private Guid TenantId => this.GetPrimaryKey();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        await store.LoadAsync(TenantId, _vectors, cancellationToken);
        _vectors.TrimExcess();
        logger.LogInformation("Tenant {TenantId}: knowledge loaded, {Chunks} chunks of {Items} items ({Megabytes:F1} MB) in {Milliseconds} ms",
            TenantId, _vectors.Count, _vectors.ItemCount, _vectors.Bytes / 1048576.0, (int)clock.GetElapsedTime(started).TotalMilliseconds);
        this.RegisterGrainTimer(SweepAsync, TimeSpan.Zero, Sweep);
    }

    public async Task<IReadOnlyList<KnowledgeHit>> SearchAsync(string query, int limit)
    {
        var started = clock.GetTimestamp();
        var question = await embedder.EmbedQuestionAsync(query);
        var ranked = await RankAsync(query, question, Math.Max(limit, KnowledgeRanking.Candidates));
        TenantChatMetrics.KnowledgeSearched(clock.GetElapsedTime(started), TenantId);
        return [.. KnowledgeRanking.BestPerItem(ranked).Take(limit)
            .Select(chunk => new KnowledgeHit(chunk.Key.Item, chunk.Title, Snippet(chunk.Body), Math.Round(chunk.Score, 4)))];
    }

    public async Task<Grounding> GroundAsync(string prompt, float[]? promptVector, KnowledgeSettings settings)
    {
        if (_vectors.Count == 0)
        {
            return Grounding.None;
        }
        var started = clock.GetTimestamp();
        var question = promptVector ?? await embedder.EmbedQuestionAsync(prompt);
        var ranked = await RankAsync(prompt, question, Math.Max(settings.TopK, KnowledgeRanking.Candidates));
        TenantChatMetrics.KnowledgeSearched(clock.GetElapsedTime(started), TenantId);
        var chosen = ranked.Where(chunk => chunk.Score >= settings.MinScore).Take(settings.TopK).ToList();
        var (block, sources) = KnowledgeBlock.Build(chosen, settings.MaxTokens, tokens);
        return sources.IsEmpty ? Grounding.None : new Grounding(block, sources);
    }

    public Task ItemChangedAsync(Guid itemId)
    {
        _pending.Add(itemId);
        StartIndexing();
        return Task.CompletedTask;
    }

    public Task ItemRemovedAsync(Guid itemId)
    {
        _deleted.Add(itemId);
        _pending.Remove(itemId);
        _vectors.Remove(itemId);
        return Task.CompletedTask;
    }

    private async Task<List<ScoredChunk>> RankAsync(string query, float[] question, int candidates)
    {
        var nearest = _vectors.Nearest(question, candidates);
        var rows = await store.FindAsync(TenantId, query, [.. nearest.Select(hit => hit.Key)], candidates);
        return KnowledgeRanking.Rank(rows, _vectors, question);
    }

    private static string Snippet(string body) => body.Length <= 300 ? body : body[..297].TrimEnd() + "...";

    /// <summary>Finds items a lost notification or an earlier activation left unindexed.</summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        try
        {
            var stale = await store.StaleItemsAsync(TenantId);
            foreach (var id in stale.Where(id => !_failures.ContainsKey(id)))
            {
                _pending.Add(id);
            }
            StartIndexing();
        }
        catch (DbException e)
        {
            logger.LogWarning("Tenant {TenantId}: looking for unindexed knowledge failed ({Failure})", TenantId, e.GetType().Name);
        }
    }

    private void StartIndexing()
    {
        if (_indexing.IsCompleted && _pending.Count > 0)
        {
            _indexing = IndexPendingAsync();
        }
    }

    /// <summary>Runs on this activation's scheduler; each item's embedding runs on the embedder's workers.</summary>
    private async Task IndexPendingAsync()
    {
        while (_pending.Count > 0)
        {
            var id = _pending.First();
            _pending.Remove(id);
            try
            {
                await IndexAsync(id);
                _failures.Remove(id);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await FailedAsync(id, e);
            }
        }
    }

    private async Task IndexAsync(Guid id)
    {
        if (await store.ReadItemAsync(TenantId, id) is not { } item)
        {
            _vectors.Remove(id);
            return;
        }
        var (title, content, version) = item;
        var started = clock.GetTimestamp();
        var texts = TextChunker.Chunk(title, content);
        var vectors = await embedder.EmbedDocumentAsync(texts);
        if (await store.StoreChunksAsync(TenantId, id, version, texts, vectors) && !_deleted.Contains(id))
        {
            _vectors.Replace(id, vectors);
            logger.LogDebug("Tenant {TenantId}: item {ItemId} indexed, {Chunks} chunks in {Milliseconds} ms",
                TenantId, id, texts.Count, (int)clock.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    /// <summary>Records the failure on the item (when the database lets us) and tries again later, waiting longer each time.</summary>
    private async Task FailedAsync(Guid id, Exception e)
    {
        var attempt = _failures[id] = _failures.GetValueOrDefault(id) + 1;
        // A sweep or a write during the attempt may have queued it again: its retry waits out the backoff all the same.
        _pending.Remove(id);
        logger.LogWarning("Tenant {TenantId}: indexing item {ItemId} failed, attempt {Attempt} ({Failure})", TenantId, id, attempt, e.GetType().Name);
        try
        {
            await store.RecordFailureAsync(TenantId, id, $"indexing failed ({e.GetType().Name}); retrying");
        }
        catch (DbException)
        {
            // The database is what failed; the item still shows no indexed_at.
        }
        var delay = TimeSpan.FromSeconds(Math.Min(MaxRetryDelay.TotalSeconds, Math.Pow(2, attempt - 1)));
        _ = RetryLaterAsync(id, delay);
    }

    private async Task RetryLaterAsync(Guid id, TimeSpan delay)
    {
        await Task.Delay(delay, clock);
        if (!_deleted.Contains(id))
        {
            _pending.Add(id);
            StartIndexing();
        }
    }
}
