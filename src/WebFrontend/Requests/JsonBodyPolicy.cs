using System.Buffers;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;
using TenantChat.WebFrontend.Problems;

namespace TenantChat.WebFrontend.Requests;

/// <summary>
/// The one input policy for the body of every route that takes JSON, applied before the route binds it: at most the
/// route's <see cref="JsonBodyLimit"/> bytes (counted as they arrive, so an oversized body is never read whole),
/// UTF-8, and <see cref="JsonInputRules"/>. A body breaking it is answered <c>400 validation_failed</c> naming the
/// field, before anything is built from it, asked of a grain or stored. Bodies that are not JSON at all are left to
/// the route, which refuses them with 415.
/// </summary>
public sealed class JsonBodyPolicy(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<IAcceptsMetadata>() is null || JsonMediaType(context.Request) is not { } mediaType)
        {
            await next(context);
            return;
        }
        var limit = endpoint.Metadata.GetMetadata<JsonBodyLimit>()?.Bytes ?? JsonBodyLimit.Default;
        if (!IsUtf8(mediaType))
        {
            await Refuse(context, "Content-Type", "must be application/json with no charset or charset=utf-8.");
            return;
        }
        if (context.Request.ContentLength > limit)
        {
            await Refuse(context, "body", TooLarge(limit));
            return;
        }
        var body = await ReadAtMostAsync(context.Request.Body, limit, context.Request.ContentLength, context.RequestAborted);
        if (body is null)
        {
            await Refuse(context, "body", TooLarge(limit));
            return;
        }
        if (body.Length > 0 && JsonInputRules.Check(body) is var (field, message))
        {
            await Refuse(context, field, message);
            return;
        }
        context.Request.Body = new MemoryStream(body, writable: false);
        await next(context);
    }

    private static string TooLarge(int limit) => $"must be at most {limit} bytes.";

    private static Task Refuse(HttpContext context, string field, string message) =>
        ApiProblem.Validation(new Dictionary<string, string[]> { [field] = [$"{field} {message}"] }).ExecuteAsync(context);

    /// <summary>The request's media type when the routes read it as JSON: <c>application/json</c> or any <c>+json</c>.</summary>
    private static MediaTypeHeaderValue? JsonMediaType(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || type.MediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
            ? type
            : null;

    /// <summary>JSON between systems is UTF-8 (RFC 8259 §8.1): any other charset is refused rather than guessed.</summary>
    private static bool IsUtf8(MediaTypeHeaderValue type)
    {
        var charset = HeaderUtilities.RemoveQuotes(type.Charset);
        return !charset.HasValue
            || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The whole body, or null as soon as it passes <paramref name="limit"/> bytes. It is read into a pooled buffer
    /// (sized from Content-Length when the request gives one) and copied out once at its own size: a chat call's
    /// body of a few hundred bytes no longer costs a 16 KiB and a 32 KiB buffer.
    /// </summary>
    private static async Task<byte[]?> ReadAtMostAsync(Stream body, int limit, long? length, CancellationToken cancellationToken)
    {
        // One byte more than announced, so the read that finds the end needs no larger buffer.
        var buffer = ArrayPool<byte>.Shared.Rent(length is { } announced ? (int)announced + 1 : 4096);
        var count = 0;
        try
        {
            while (true)
            {
                if (count == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, count).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
                var read = await body.ReadAsync(buffer.AsMemory(count), cancellationToken);
                if (read == 0)
                {
                    return buffer.AsSpan(0, count).ToArray();
                }
                count += read;
                if (count > limit)
                {
                    return null;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>
/// The most bytes a route's JSON body may have; <see cref="Default"/> unless the route says otherwise with
/// <see cref="JsonBodyLimitExtensions.WithJsonBodyLimit{TBuilder}"/>.
/// </summary>
public sealed record class JsonBodyLimit(int Bytes)
{
    /// <summary>1 MiB: room for a customer-data item of 100,000 characters, all escaped, or a long /v1 conversation.</summary>
    public const int Default = 1024 * 1024;
}

public static class JsonBodyLimitExtensions
{
    public static TBuilder WithJsonBodyLimit<TBuilder>(this TBuilder builder, int bytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new JsonBodyLimit(bytes));

    public static IApplicationBuilder UseJsonBodyPolicy(this IApplicationBuilder app) => app.UseMiddleware<JsonBodyPolicy>();
}
