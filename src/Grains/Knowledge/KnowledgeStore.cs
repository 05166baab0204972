using Npgsql;
using NpgsqlTypes;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.Knowledge;

/// <summary>A chunk as a search reads it back: its item's title, its text, and how much of the query it holds word for word.</summary>
public sealed record class ChunkRow(ChunkKey Key, string Title, string Text, double LexicalMatch);

/// <summary>The <c>knowledge_chunks</c> table and the indexing columns of <c>customer_data</c>; every statement filters by <c>tenant_id</c>.</summary>
public sealed class KnowledgeStore(TenantDatabase db)
{
    /// <summary>The tenant's stored embeddings of the current model, each item's rows together and in order.</summary>
    public async Task LoadAsync(Guid tenantId, ChunkVectors into, CancellationToken cancellationToken)
    {
        const string sql = """
            select item_id, ordinal, embedding from knowledge_chunks
            where tenant_id = @tenant_id and model = @model
            order by item_id, ordinal
            """;
        await using var command = db.CreateCommand(tenantId, sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("model", SentenceEmbedder.ModelName);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            into.Append(new ChunkKey(reader.GetGuid(0), reader.GetInt32(1)), reader.GetFieldValue<float[]>(2));
        }
    }

    /// <summary>Items whose current version is not indexed yet, or was indexed by another model.</summary>
    public async Task<IReadOnlyList<Guid>> StaleItemsAsync(Guid tenantId)
    {
        const string sql = """
            select id from customer_data where tenant_id = @tenant_id and (indexed_at is null or indexed_at < updated_at)
            union
            select distinct item_id from knowledge_chunks where tenant_id = @tenant_id and model <> @model
            """;
        await using var command = db.CreateCommand(tenantId, sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("model", SentenceEmbedder.ModelName);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    public async Task<(string Title, string Content, DateTimeOffset Version)?> ReadItemAsync(Guid tenantId, Guid id)
    {
        await using var command = db.CreateCommand(tenantId, "select title, content, updated_at from customer_data where tenant_id = @tenant_id and id = @id");
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)) : null;
    }

    /// <summary>
    /// Replaces the item's chunks and marks it indexed, in one transaction, only if the item is still at
    /// <paramref name="version"/>: false when it changed or went meanwhile (its newer version is indexed next).
    /// </summary>
    public async Task<bool> StoreChunksAsync(Guid tenantId, Guid id, DateTimeOffset version, IReadOnlyList<string> texts, float[][] vectors)
    {
        const string mark = """
            update customer_data set indexed_at = now(), index_error = null
            where tenant_id = @tenant_id and id = @id and updated_at = @version
            """;
        // The embeddings travel as one flat array; each chunk takes its slice (arrays in SQL count from 1).
        const string insert = """
            delete from knowledge_chunks where tenant_id = @tenant_id and item_id = @id;
            insert into knowledge_chunks (tenant_id, item_id, ordinal, text, model, embedding)
            select @tenant_id, @id, (n - 1)::int, t, @model, @flat[((n - 1) * @dims + 1):(n * @dims)]
            from unnest(@texts) with ordinality as u(t, n);
            """;
        await using var connection = await db.OpenConnectionAsync();
        await using var transaction = await db.BeginAsync(connection, tenantId);
        await using (var command = new NpgsqlCommand(mark, connection, transaction))
        {
            AddKeys(command.Parameters, tenantId, id);
            command.Parameters.AddWithValue("version", version);
            if (await command.ExecuteNonQueryAsync() != 1)
            {
                return false;
            }
        }
        await using (var command = new NpgsqlCommand(insert, connection, transaction))
        {
            AddKeys(command.Parameters, tenantId, id);
            command.Parameters.AddWithValue("model", SentenceEmbedder.ModelName);
            command.Parameters.AddWithValue("dims", SentenceEmbedder.Dimensions);
            command.Parameters.AddWithValue("texts", texts.ToArray());
            command.Parameters.Add(new NpgsqlParameter("flat", NpgsqlDbType.Array | NpgsqlDbType.Real) { Value = vectors.SelectMany(v => v).ToArray() });
            await command.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
        return true;
    }

    /// <summary>Says on the item why its indexing failed; it stays unindexed (and is retried).</summary>
    public async Task RecordFailureAsync(Guid tenantId, Guid id, string error)
    {
        await using var command = db.CreateCommand(tenantId, "update customer_data set index_error = @error where tenant_id = @tenant_id and id = @id");
        AddKeys(command.Parameters, tenantId, id);
        command.Parameters.AddWithValue("error", error);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The chunks <paramref name="wanted"/> (the nearest by embedding) and the best <paramref name="lexicalLimit"/>
    /// holding every word of <paramref name="query"/> (<c>websearch_to_tsquery</c>: quoted phrases and exclusions
    /// work), of items that exist now. <see cref="ChunkRow.LexicalMatch"/> is 1 for a chunk holding every word, else
    /// the share of the query's words (stemmed, stop words left out) that it holds. Only full matches are searched
    /// for across the tenant (through the GIN index, by the SQL function <c>tenant_knowledge_matches</c>, which the
    /// row-level policy would otherwise keep from it: sql/014); partial matches are scored on the chunks already
    /// chosen, which keeps the statement quick when a common word matches most of a tenant's chunks.
    /// </summary>
    public async Task<IReadOnlyList<ChunkRow>> FindAsync(Guid tenantId, string query, IReadOnlyList<ChunkKey> wanted, int lexicalLimit)
    {
        const string sql = """
            with query as (
                select websearch_to_tsquery('english', @query) as whole,
                    array(select distinct unnest(tsvector_to_array(to_tsvector('english', @query)))) as terms
            ), lexical as (
                select item_id, ordinal from tenant_knowledge_matches(@tenant_id, @query, @lexical_limit)
            ), keys as (
                select item_id, ordinal from unnest(@item_ids, @ordinals) as w(item_id, ordinal)
                union
                select item_id, ordinal from lexical
            )
            select c.item_id, c.ordinal, d.title, c.text,
                case when cardinality(q.terms) = 0 then 0.0::float8
                     when c.search @@ q.whole then 1.0::float8
                     else cardinality(array(select unnest(q.terms) intersect select unnest(tsvector_to_array(c.search))))::float8
                          / cardinality(q.terms)
                end
            from keys k
            join knowledge_chunks c on c.tenant_id = @tenant_id and c.item_id = k.item_id and c.ordinal = k.ordinal
            join customer_data d on d.tenant_id = @tenant_id and d.id = c.item_id
            cross join query q
            """;
        await using var command = db.CreateCommand(tenantId, sql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("query", query);
        command.Parameters.AddWithValue("lexical_limit", lexicalLimit);
        command.Parameters.AddWithValue("item_ids", wanted.Select(key => key.Item).ToArray());
        command.Parameters.AddWithValue("ordinals", wanted.Select(key => key.Ordinal).ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<ChunkRow>();
        while (await reader.ReadAsync())
        {
            rows.Add(new ChunkRow(new ChunkKey(reader.GetGuid(0), reader.GetInt32(1)), reader.GetString(2), reader.GetString(3), reader.GetDouble(4)));
        }
        return rows;
    }

    private static void AddKeys(NpgsqlParameterCollection parameters, Guid tenantId, Guid id)
    {
        parameters.AddWithValue("tenant_id", tenantId);
        parameters.AddWithValue("id", id);
    }
}
