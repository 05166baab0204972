using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using TenantChat.Grains.Knowledge;
using TenantChat.Grains.Models;
using TenantChat.Grains.Persistence;

namespace TenantChat.Grains.CustomerData;

[StatelessWorker]
public sealed class CustomerDataGrain(
    CustomerDataStore store, IOptions<KnowledgeOptions> knowledge, TimeProvider clock, ILogger<CustomerDataGrain> logger) : Grain, ICustomerDataGrain
{
    public async Task<Outcome<CustomerDataItem>> CreateAsync(Guid tenantId, CustomerDataInput input)
    {
        var chunks = ChunksOf(input);
        var write = await store.InsertAsync(tenantId, Guid.CreateVersion7(), input, clock.GetUtcNow(), chunks, knowledge.Value.MaxChunksPerTenant);
        return await IndexAsync(tenantId, chunks, write);
    }

    public async Task<Page<CustomerDataItem>> ListAsync(Guid tenantId, int limit, PageKey? after)
    {
        // Ids are time-ordered (UUIDv7): records added while a caller pages sort before its cursor, so every
        // record that existed when paging began is seen exactly once.
        var rows = await store.ListAsync(tenantId, limit + 1, after?.Id);
        var items = rows.Take(limit).ToArray();
        return new Page<CustomerDataItem>([.. items], rows.Count > limit ? new PageKey(null, items[^1].Id) : null);
    }

    public Task<CustomerDataItem?> GetAsync(Guid tenantId, Guid id) => store.FindAsync(tenantId, id);

    public async Task<Outcome<CustomerDataItem>> UpdateAsync(Guid tenantId, Guid id, CustomerDataInput input)
    {
        var chunks = ChunksOf(input);
        var write = await store.UpdateAsync(tenantId, id, input, clock.GetUtcNow(), chunks, knowledge.Value.MaxChunksPerTenant);
        return write is { Item: null, OverCap: false }
            ? new ServiceError(ProblemCode.NotFound, "No customer data with this id.")
            : await IndexAsync(tenantId, chunks, write);
    }

    public async Task<bool> DeleteAsync(Guid tenantId, Guid id)
    {
        if (!await store.DeleteAsync(tenantId, id))
        {
            return false;
        }
        // Its chunks went with it in the database; the tenant's knowledge grain drops its vectors too.
        await NotifyAsync(tenantId, id, knowledgeGrain => knowledgeGrain.ItemRemovedAsync(id));
        return true;
    }

    private static int ChunksOf(CustomerDataInput input) => TextChunker.Chunk(input.Title, input.Content).Count;

    /// <summary>A stored write is handed to the tenant's knowledge grain for indexing; one over the cap is refused.</summary>
    private async Task<Outcome<CustomerDataItem>> IndexAsync(Guid tenantId, int chunks, CustomerDataWrite write)
    {
        if (write.Item is not { } item)
        {
            var max = knowledge.Value.MaxChunksPerTenant;
            return new ServiceError(ProblemCode.Conflict,
                $"This item needs {chunks} knowledge chunks and the tenant holds {write.ChunksHeld} of its {max}; nothing was changed.");
        }
        await NotifyAsync(tenantId, item.Id, knowledgeGrain => knowledgeGrain.ItemChangedAsync(item.Id));
        return item;
    }

    /// <summary>
    /// The write is committed whatever happens here: an item the knowledge grain does not hear of is found by its
    /// periodic sweep (it has no <c>indexed_at</c> for this version), so a failed notification loses nothing.
    /// </summary>
    private async Task NotifyAsync(Guid tenantId, Guid itemId, Func<IKnowledgeGrain, Task> notify)
    {
        try
        {
            await notify(GrainFactory.GetGrain<IKnowledgeGrain>(tenantId));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            logger.LogWarning("Tenant {TenantId}: knowledge not told of item {ItemId} ({Failure}); its sweep will find it", tenantId, itemId, e.GetType().Name);
        }
    }
}
