namespace TenantChat.Grains.Models;

/// <summary>A validated customer-data record; <see cref="MetadataJson"/> is a JSON object.</summary>
[GenerateSerializer, Immutable]
public sealed record class CustomerDataInput(
    [property: Id(0)] string Title,
    [property: Id(1)] string Content,
    [property: Id(2)] string MetadataJson);
