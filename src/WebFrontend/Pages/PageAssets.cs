using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Net.Http.Headers;

namespace TenantChat.WebFrontend.Pages;

/// <summary>One file of the web pages, held in memory with its content type and a validator for conditional GETs.</summary>
public sealed record class PageAsset(byte[] Content, string ContentType, string ETag);

/// <summary>
/// The web pages' files (HTML, JavaScript, CSS under <c>Pages/Assets/</c>), embedded in the frontend's assembly
/// and read once at start-up: the pages need no files beside the build output, no build step and no CDN, and
/// every frontend serves the same bytes, so any of them can answer any request.
/// </summary>
public sealed class PageAssets
{
    private const string Prefix = "pages/";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    private readonly Dictionary<string, PageAsset> _files = new(StringComparer.Ordinal);

    public PageAssets()
    {
        var assembly = typeof(PageAssets).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(name => name.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Add(name[Prefix.Length..], copy.ToArray());
        }
        // The widget is one file for the embedding site's one <script> tag: the chat view and the bubble that
        // hosts it, wrapped so that nothing leaks into the host page's globals.
        var widget = "(() => {\n'use strict';\n" + Text("chat-view.js") + "\n" + Text("widget-boot.js") + "\n})();\n";
        Add("widget.js", Encoding.UTF8.GetBytes(widget));
    }

    public PageAsset? Find(string name) => _files.GetValueOrDefault(name);

    private string Text(string name) => Encoding.UTF8.GetString(_files[name].Content);

    private void Add(string name, byte[] content)
    {
        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream");
        var etag = "\"" + Convert.ToHexString(SHA256.HashData(content))[..16] + "\"";
        _files[name] = new PageAsset(content, type, etag);
    }
}

/// <summary>Writes a <see cref="PageAsset"/> with the pages' security headers, or 304 when the browser has it.</summary>
public sealed class PageResult(PageAsset asset, int statusCode = StatusCodes.Status200OK) : IResult
{
    /// <summary>
    /// Scripts, styles, images and calls from the frontend's own origin only: no inline script or style, no eval,
    /// no CDN. Pages cannot be framed (the widget is not a frame).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-cache"; // revalidated with the ETag: a new version is seen at once, an old one costs a 304
        headers.ETag = asset.ETag;
        if (statusCode == StatusCodes.Status200OK
            && httpContext.Request.Headers.IfNoneMatch.Any(value => value is not null && value.Contains(asset.ETag, StringComparison.Ordinal)))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.StatusCode = statusCode;
        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        return response.Body.WriteAsync(asset.Content).AsTask();
    }
}
