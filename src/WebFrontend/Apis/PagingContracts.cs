namespace TenantChat.WebFrontend.Apis;

// The page every list endpoint answers with; Cursors makes and reads its cursors.

/// <summary>One page of a list; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record class PageResponse<T>(IReadOnlyList<T> Items, string? NextCursor);
