using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Knowledge;
using TenantChat.Grains.Persistence;

namespace TenantChat.KnowledgeBench;

/// <summary>One tenant whose knowledge holds the given number of chunks, five per item, stored as indexing stores them.</summary>
public static class Seed
{
    private const int ChunksPerItem = 5;

    public static async Task<Guid> TenantAsync(NpgsqlDataSource db, int chunks, float[][] vectors)
    {
        var tenant = Guid.CreateVersion7();
        await using (var insert = db.CreateCommand("""
            insert into tenants (id, name, domain, system_prompt, token_limit, model, allowed_models, period_start)
            values (@id, 'Knowledge bench', @domain, '', 0, 'm', array['m'], now())
            """))
        {
            insert.Parameters.AddWithValue("id", tenant);
            insert.Parameters.AddWithValue("domain", $"kb-{tenant:N}.bench");
            await insert.ExecuteNonQueryAsync();
        }
        var store = new KnowledgeStore(new TenantDatabase(db));
        var texts = Corpus.Chunks(chunks).ToList();
        var random = new Random(7);
        for (var item = 0; item * ChunksPerItem < chunks; item++)
        {
            var id = Guid.CreateVersion7();
            var version = DateTimeOffset.UtcNow;
            await using (var insert = db.CreateCommand("""
                insert into customer_data (id, tenant_id, title, content, created_at, updated_at, chunk_count)
                values (@id, @tenant, @title, '', @at, @at, @chunks)
                """))
            {
                insert.Parameters.AddWithValue("id", id);
                insert.Parameters.AddWithValue("tenant", tenant);
                insert.Parameters.AddWithValue("title", $"Support article {item}");
                insert.Parameters.Add(new NpgsqlParameter("at", NpgsqlDbType.TimestampTz) { Value = version });
                insert.Parameters.AddWithValue("chunks", ChunksPerItem);
                await insert.ExecuteNonQueryAsync();
            }
            var range = Enumerable.Range(item * ChunksPerItem, Math.Min(ChunksPerItem, chunks - item * ChunksPerItem)).ToList();
            var stored = await store.StoreChunksAsync(tenant, id, await VersionAsync(db, id), [.. range.Select(i => texts[i])],
                [.. range.Select(i => Jitter(vectors[i % vectors.Length], random))]);
            if (!stored)
            {
                throw new InvalidOperationException("seeding a chunk failed");
            }
        }
        return tenant;
    }

    /// <summary>The stored timestamp (microseconds), which indexing compares exactly.</summary>
    private static async Task<DateTimeOffset> VersionAsync(NpgsqlDataSource db, Guid id)
    {
        await using var read = db.CreateCommand("select updated_at from customer_data where id = @id");
        read.Parameters.AddWithValue("id", id);
        await using var reader = await read.ExecuteReaderAsync();
        await reader.ReadAsync();
        return reader.GetFieldValue<DateTimeOffset>(0);
    }

    private static float[] Jitter(float[] vector, Random random)
    {
        var noisy = vector.Select(x => x + (float)(random.NextDouble() - 0.5) * 0.02f).ToArray();
        var length = MathF.Sqrt(noisy.Sum(x => x * x));
        return [.. noisy.Select(x => x / length)];
    }
}
