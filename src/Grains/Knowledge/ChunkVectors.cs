using System.Numerics.Tensors;

namespace TenantChat.Grains.Knowledge;

/// <summary>A chunk: the customer-data item it comes from and its place in it.</summary>
public readonly record struct ChunkKey(Guid Item, int Ordinal);

/// <summary>
/// One tenant's chunk embeddings in memory, row after row in one array so a search is one pass over contiguous
/// memory (<see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/>; the vectors are unit
/// length, so the dot product is the cosine). An item's rows stay together. About 1.6 KB per chunk: 384 floats
/// and the key. Not thread-safe: the tenant's knowledge grain is its only user.
/// </summary>
public sealed class ChunkVectors
{
    private const int Dimensions = SentenceEmbedder.Dimensions;

    private float[] _vectors = new float[Dimensions * 16];
    private ChunkKey[] _keys = new ChunkKey[16];
    private readonly Dictionary<Guid, (int Start, int Count)> _items = [];

    public int Count { get; private set; }

    public int ItemCount => _items.Count;

    public long Bytes => (long)_vectors.Length * sizeof(float) + (long)_keys.Length * 24 + _items.Count * 48L;

    /// <summary>Replaces <paramref name="item"/>'s rows with <paramref name="vectors"/> (its chunks in order).</summary>
    public void Replace(Guid item, IReadOnlyList<float[]> vectors)
    {
        Remove(item);
        EnsureCapacity(Count + vectors.Count);
        _items[item] = (Count, vectors.Count);
        for (var ordinal = 0; ordinal < vectors.Count; ordinal++)
        {
            if (vectors[ordinal].Length != Dimensions)
            {
                throw new ArgumentException($"Embeddings have {Dimensions} dimensions.", nameof(vectors));
            }
            vectors[ordinal].CopyTo(_vectors, Count * Dimensions);
            _keys[Count++] = new ChunkKey(item, ordinal);
        }
    }

    /// <summary>Adds one stored row while loading; rows of an item must come together, in order.</summary>
    public void Append(ChunkKey key, float[] vector)
    {
        EnsureCapacity(Count + 1);
        vector.CopyTo(_vectors, Count * Dimensions);
        _keys[Count] = key;
        _items[key.Item] = _items.TryGetValue(key.Item, out var rows) ? (rows.Start, rows.Count + 1) : (Count, 1);
        Count++;
    }

    public void Remove(Guid item)
    {
        if (!_items.Remove(item, out var rows))
        {
            return;
        }
        var tail = Count - rows.Start - rows.Count;
        Array.Copy(_vectors, (rows.Start + rows.Count) * Dimensions, _vectors, rows.Start * Dimensions, tail * Dimensions);
        Array.Copy(_keys, rows.Start + rows.Count, _keys, rows.Start, tail);
        Count -= rows.Count;
        foreach (var (other, place) in _items.Where(entry => entry.Value.Start > rows.Start).ToList())
        {
            _items[other] = (place.Start - rows.Count, place.Count);
        }
    }

    /// <summary>The cosine of <paramref name="key"/>'s chunk to <paramref name="query"/>, or null when it is not held.</summary>
    public float? Similarity(ChunkKey key, ReadOnlySpan<float> query)
    {
        if (!_items.TryGetValue(key.Item, out var rows) || key.Ordinal >= rows.Count)
        {
            return null;
        }
        return TensorPrimitives.Dot(Row(rows.Start + key.Ordinal), query);
    }

    /// <summary>The <paramref name="count"/> chunks most similar to <paramref name="query"/>, best first.</summary>
    public IReadOnlyList<(ChunkKey Key, float Similarity)> Nearest(ReadOnlySpan<float> query, int count)
    {
        var best = new PriorityQueue<int, float>(count + 1);
        for (var row = 0; row < Count; row++)
        {
            var similarity = TensorPrimitives.Dot(Row(row), query);
            if (best.Count < count)
            {
                best.Enqueue(row, similarity);
            }
            else if (best.TryPeek(out _, out var worst) && similarity > worst)
            {
                best.EnqueueDequeue(row, similarity);
            }
        }
        var nearest = new List<(ChunkKey, float)>(best.Count);
        while (best.TryDequeue(out var row, out var similarity))
        {
            nearest.Add((_keys[row], similarity));
        }
        nearest.Reverse();
        return nearest;
    }

    /// <summary>Gives back the room kept for growth (up to half the arrays after loading): called once loading is done.</summary>
    public void TrimExcess()
    {
        Array.Resize(ref _vectors, Math.Max(1, Count) * Dimensions);
        Array.Resize(ref _keys, Math.Max(1, Count));
    }

    private ReadOnlySpan<float> Row(int row) => _vectors.AsSpan(row * Dimensions, Dimensions);

    private void EnsureCapacity(int rows)
    {
        if (rows <= _keys.Length)
        {
            return;
        }
        var capacity = Math.Max(rows, _keys.Length * 2);
        Array.Resize(ref _vectors, capacity * Dimensions);
        Array.Resize(ref _keys, capacity);
    }
}
