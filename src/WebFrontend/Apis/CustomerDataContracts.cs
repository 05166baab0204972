using System.Text.Json;
using TenantChat.Grains.Models;

namespace TenantChat.WebFrontend.Apis;

// The request and response bodies of CustomerDataApi.

public sealed record class CustomerDataBody(string? Title, string? Content, JsonElement? Metadata);

public sealed record class CustomerDataResponse(Guid Id, string Title, string Content, JsonElement Metadata, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static CustomerDataResponse From(CustomerDataItem item)
    {
        using var metadata = JsonDocument.Parse(item.MetadataJson);
        return new(item.Id, item.Title, item.Content, metadata.RootElement.Clone(), item.CreatedAt, item.UpdatedAt);
    }
}
