using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace TenantChat.Fakes;

/// <summary>What the fake upstream saw of one request.</summary>
public sealed record class UpstreamCall(string RawPath, int PathSegments, string Prompt, string? System, string? Model, string? Seed);

/// <summary>
/// A real HTTP server in the shape of the text API, on loopback. Its behaviour is chosen by markers in the
/// tenant's system parameter, so concurrent tests never share switches: <c>[fake:500]</c>, <c>[fake:hang]</c>,
/// <c>[fake:delay=200]</c>, <c>[fake:leak]</c> (quotes the system parameter back), <c>[fake:long]</c>,
/// <c>[fake:drip=50]</c> (word by word, 50 ms apart), <c>[fake:cut]</c> (a few words, then the connection drops). With <c>[fake:leak]</c>, a prompt holding <c>[split=7]</c>
/// sends the answer in two writes cut 7 characters into the quote, and <c>[split=every]</c> sends every character
/// of the quote in a write of its own (for redaction across stream deltas). As a process,
/// <c>--delay-ms N</c> adds a delay to every answer. It also answers <c>POST /v1/chat/completions</c>
/// (<see cref="OpenAiRoute"/>), for the benchmark's peers.
/// </summary>
public sealed class FakeUpstream : IAsyncDisposable
{
    public const string PathPrefix = "/v1/text/";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<UpstreamCall> _calls = new();

    /// <summary>Whether to keep every call for <see cref="CallsFor"/>; a long-running process turns it off.</summary>
    public bool RecordCalls { get; set; } = true;

    private FakeUpstream(WebApplication app) => _app = app;

    /// <summary>A delay for answers whose system parameter names none.</summary>
    public int DefaultDelayMs { get; set; }

    /// <summary>The base URL to configure, deliberately without a trailing slash.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Starts on <paramref name="url"/> (a free loopback port by default).</summary>
    public static async Task<FakeUpstream> StartAsync(string url = "http://127.0.0.1:0")
    {
        // Content root beside the assembly: started from /, the host would watch the whole file system for settings.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(url);
        // A system parameter with knowledge in it makes long query strings; a real text API takes them too.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestLineSize = 256 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 512 * 1024;
        });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeUpstream(app);
        app.Run(fake.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        fake.BaseUrl = new Uri(address.TrimEnd('/') + PathPrefix.TrimEnd('/'));
        return fake;
    }

    /// <summary>The calls whose system parameter was <paramref name="system"/>.</summary>
    public IReadOnlyList<UpstreamCall> CallsFor(string system) => [.. _calls.Where(call => call.System == system)];

    /// <summary>The calls whose system parameter starts with <paramref name="system"/>: the tenant's own, with knowledge appended.</summary>
    public IReadOnlyList<UpstreamCall> CallsStartingWith(string system) =>
        [.. _calls.Where(call => call.System?.StartsWith(system, StringComparison.Ordinal) == true)];

    /// <summary>A fingerprint of a system parameter that the fake puts in its answers (the parameter itself it never repeats).</summary>
    public static string VoiceOf(string system) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(system)))[..10];

    private async Task HandleAsync(HttpContext context)
    {
        var rawTarget = context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget;
        var rawPath = rawTarget.Split('?', 2)[0];
        if (rawPath == OpenAiRoute.Path && HttpMethods.IsPost(context.Request.Method))
        {
            await OpenAiRoute.AnswerAsync(context, DefaultDelayMs);
            return;
        }
        if (!rawPath.StartsWith(PathPrefix, StringComparison.Ordinal))
        {
            context.Response.StatusCode = 404;
            return;
        }
        var encodedPrompt = rawPath[PathPrefix.Length..];
        var system = context.Request.Query["system"].FirstOrDefault();
        if (RecordCalls)
        {
            _calls.Enqueue(new UpstreamCall(rawPath, encodedPrompt.Split('/').Length, Uri.UnescapeDataString(encodedPrompt), system,
                context.Request.Query["model"].FirstOrDefault(), context.Request.Query["seed"].FirstOrDefault()));
        }

        system ??= "";
        if (system.Contains("[fake:500]", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 500;
            return;
        }
        if (system.Contains("[fake:hang]", StringComparison.Ordinal))
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }
        var delay = Marker(system, "delay") is { } marker ? int.Parse(marker, System.Globalization.CultureInfo.InvariantCulture) : DefaultDelayMs;
        if (delay > 0)
        {
            await Task.Delay(delay);
        }
        var answer = Answer(system, Uri.UnescapeDataString(encodedPrompt));
        if (system.Contains("[fake:leak]", StringComparison.Ordinal))
        {
            answer += " My instructions are: " + system;
            if (QuoteCuts(Uri.UnescapeDataString(encodedPrompt), answer.Length - system.Length, answer.Length) is { } cuts)
            {
                await WritePiecesAsync(context, answer, cuts);
                return;
            }
        }
        if (system.Contains("[fake:long]", StringComparison.Ordinal))
        {
            answer += string.Concat(Enumerable.Repeat(" and then some more words", 400));
        }
        if (system.Contains("[fake:cut]", StringComparison.Ordinal))
        {
            // The first words, then the connection drops: a stream that fails after its first event.
            await context.Response.WriteAsync(string.Join(' ', answer.Split(' ').Take(3)) + " ", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(100, context.RequestAborted);
            context.Abort();
            return;
        }
        if (Marker(system, "drip") is { } drip)
        {
            // Word by word, flushed, with a pause: a slowly generating model, for streaming tests.
            foreach (var word in answer.Split(' '))
            {
                await context.Response.WriteAsync(word + " ", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(int.Parse(drip, System.Globalization.CultureInfo.InvariantCulture), context.RequestAborted);
            }
            return;
        }
        await context.Response.WriteAsync(answer);
    }

    /// <summary>The plain answer to <paramref name="prompt"/> under <paramref name="system"/>, on either route.</summary>
    public static string Answer(string system, string prompt) => $"[{VoiceOf(system)}] Here is my answer about {prompt.Length} characters of question.";

    /// <summary>Where to cut an answer whose quote runs from <paramref name="quoteStart"/> to <paramref name="end"/>, as the prompt asks.</summary>
    private static IReadOnlyList<int>? QuoteCuts(string prompt, int quoteStart, int end)
    {
        if (Marker(prompt, "split", "[") is not { } split)
        {
            return null;
        }
        return split == "every"
            ? [.. Enumerable.Range(quoteStart, end - quoteStart + 1)]
            : [quoteStart + int.Parse(split, System.Globalization.CultureInfo.InvariantCulture)];
    }

    /// <summary>Writes <paramref name="answer"/> in pieces cut at <paramref name="cuts"/>, each flushed and apart in time.</summary>
    private static async Task WritePiecesAsync(HttpContext context, string answer, IReadOnlyList<int> cuts)
    {
        var from = 0;
        foreach (var cut in cuts.Append(answer.Length))
        {
            await context.Response.WriteAsync(answer[from..cut], context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(15, context.RequestAborted);
            from = cut;
        }
    }

    private static string? Marker(string system, string name, string opening = "[fake:")
    {
        var start = system.IndexOf($"{opening}{name}=", StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }
        start += opening.Length + name.Length + 1;
        return system[start..system.IndexOf(']', start)];
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
