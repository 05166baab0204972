using System.Text.Json;
using TenantChat.Grains.Models;

namespace TenantChat.WebFrontend.Apis;

// The request and response bodies of CustomerDataApi.

public sealed record class CustomerDataBody(string? Title, string? Content, JsonElement? Metadata);

/// <summary>An item; <see cref="IndexStatus"/> tells whether this version is searchable knowledge yet (<c>indexed</c>, <c>pending</c>, <c>failed</c>).</summary>
public sealed record class CustomerDataResponse(Guid Id, string Title, string Content, JsonElement Metadata, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string IndexStatus, DateTimeOffset? IndexedAt, string? IndexError)
{
    public static CustomerDataResponse From(CustomerDataItem item)
    {
        using var metadata = JsonDocument.Parse(item.MetadataJson);
        return new(item.Id, item.Title, item.Content, metadata.RootElement.Clone(), item.CreatedAt, item.UpdatedAt,
            item.IndexStatus, item.IndexStatus == "indexed" ? item.IndexedAt : null, item.IndexError);
    }
}
