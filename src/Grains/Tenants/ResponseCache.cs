using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using TenantChat.Grains.Models;
using TenantChat.Grains.Upstreams;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// A tenant's opt-in cache of answers, kept in its grain: the same prompt, context, system parameter, model and seed
/// within the tenant get the stored answer without an upstream call. The key is a hash that starts with the tenant's
/// id, and the cache lives in that tenant's own activation, so no tenant can be answered from another's entries.
/// Bounded: past <see cref="MaxEntries"/> the oldest entry goes. Not thread-safe: used in the grain's turns only.
/// </summary>
public sealed class ResponseCache
{
    public const int MaxEntries = 512;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, Entry Entry)> _age = new();

    /// <summary>A cached answer, who gave it, and the tokens it cost (each hit saves as many).</summary>
    public sealed record class Entry(string Text, UpstreamRoute AnsweredBy, DateTimeOffset Expires, int Tokens = 0);

    public int Count => _entries.Count;

    /// <summary>The key of a call: every input that shapes the answer, each length-prefixed so no two inputs collide.</summary>
    public static string KeyOf(Guid tenantId, UpstreamRequest request)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> buffer = stackalloc byte[16];
        tenantId.TryWriteBytes(buffer);
        hash.AppendData(buffer);
        Append(hash, request.SystemPrompt);
        Append(hash, request.Model);
        Append(hash, request.Seed?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");
        foreach (var turn in request.Context)
        {
            Append(hash, turn.Prompt);
            Append(hash, turn.Response);
        }
        Append(hash, request.Prompt);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    public Entry? Find(string key, DateTimeOffset now)
    {
        if (!_entries.TryGetValue(key, out var entry))
        {
            return null;
        }
        if (entry.Expires > now)
        {
            return entry;
        }
        _entries.Remove(key);
        return null;
    }

    public void Add(string key, Entry entry)
    {
        _entries[key] = entry;
        _age.Enqueue((key, entry));
        while (_entries.Count > MaxEntries && _age.TryDequeue(out var oldest))
        {
            // A key stored again since keeps its newer entry.
            if (_entries.TryGetValue(oldest.Key, out var current) && ReferenceEquals(current, oldest.Entry))
            {
                _entries.Remove(oldest.Key);
            }
        }
        // Entries replaced or expired leave stale places in the queue; drop them once they outnumber the live ones.
        if (_age.Count > 2 * MaxEntries)
        {
            var live = _age.Where(item => _entries.TryGetValue(item.Key, out var current) && ReferenceEquals(current, item.Entry)).ToList();
            _age.Clear();
            live.ForEach(_age.Enqueue);
        }
    }

    public void Clear()
    {
        _entries.Clear();
        _age.Clear();
    }

    private static void Append(IncrementalHash hash, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
}
