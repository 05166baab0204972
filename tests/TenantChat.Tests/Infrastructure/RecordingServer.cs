using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TenantChat.Tests.Infrastructure;

/// <summary>
/// A real HTTP server on loopback that records every request and answers as the test scripts it, so a provider
/// test can show the exact bytes an upstream sends, pieces and pauses included.
/// </summary>
public sealed class RecordingServer : IAsyncDisposable
{
    /// <summary>Long enough that the client reads each piece on its own, short enough to keep tests quick.</summary>
    private static readonly TimeSpan PauseBetweenPieces = TimeSpan.FromMilliseconds(30);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private RecordingServer(WebApplication app) => _app = app;

    /// <summary>The server's root, without a trailing slash.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static async Task<RecordingServer> StartAsync(RequestDelegate respond)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new RecordingServer(app);
        app.Run(async context =>
        {
            server._requests.Enqueue(await RecordAsync(context));
            await respond(context);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/'));
        return server;
    }

    /// <summary>Answers every request with <paramref name="status"/> and no body.</summary>
    public static RequestDelegate Status(int status) => context =>
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    };

    public static Task SendJsonAsync(HttpContext context, string json) => SendPiecesAsync(context, "application/json", json);

    /// <summary>Sends server-sent events, each piece flushed on its own.</summary>
    public static Task SendEventStreamAsync(HttpContext context, params string[] pieces) =>
        SendPiecesAsync(context, "text/event-stream", pieces);

    /// <summary>Sends the pieces one by one, flushed, with a pause between them.</summary>
    public static Task SendPiecesAsync(HttpContext context, string contentType, params string[] pieces) =>
        SendPiecesAsync(context, contentType, pieces.Select(Encoding.UTF8.GetBytes).ToArray());

    /// <inheritdoc cref="SendPiecesAsync(HttpContext, string, string[])"/>
    public static async Task SendPiecesAsync(HttpContext context, string contentType, params byte[][] pieces)
    {
        context.Response.ContentType = contentType;
        foreach (var piece in pieces)
        {
            await context.Response.Body.WriteAsync(piece);
            await context.Response.Body.FlushAsync();
            await Task.Delay(PauseBetweenPieces);
        }
    }

    /// <summary>Sends nothing more until the client gives up.</summary>
    public static Task StallAsync(HttpContext context) =>
        Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);

    private static async Task<RecordedRequest> RecordAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers.ToDictionary(
            header => header.Key, header => header.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var target = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        return new RecordedRequest(context.Request.Method, target, headers, body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
