using TenantChat.Grains.Models;

namespace TenantChat.Grains;

/// <summary>
/// One streamed chat call, keyed by its request id and placed on the silo the caller came in through. It runs
/// the upstream stream so the tenant's grain only admits and settles; disposing the enumeration early (the caller
/// went away) cancels the upstream and stores and charges exactly what was generated.
/// </summary>
public interface IChatStreamGrain : IGrainWithGuidKey
{
    IAsyncEnumerable<ChatStreamEvent> StreamAsync(Guid tenantId, string host, ChatRequest request);
}
