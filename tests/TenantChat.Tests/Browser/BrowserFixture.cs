using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using TenantChat.Tests.Infrastructure;

namespace TenantChat.Tests.Browser;

/// <summary>
/// The system on real parts (<see cref="ClusterFixture"/>) plus what a browser needs: the frontend on a real
/// Kestrel socket on loopback, a second site on another port that embeds the widget, and one headless Debian
/// chromium shared by the collection. Chromium maps every <c>*.test</c> host to loopback, so
/// <c>http://tenant-x.test:PORT/</c> reaches the frontend with the tenant's Host header. Chromium (apt) and
/// axe-core (npm, test-only) are installed when missing.
/// </summary>
public sealed class BrowserFixture : ClusterFixture, IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private WebApplicationFactory<Program>? _frontend;
    private EmbeddingSite? _site;
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The real frontend's port on loopback.</summary>
    public int Port { get; private set; }

    /// <summary>axe-core's source, run inside pages by the accessibility checks.</summary>
    public string AxeSource { get; private set; } = null!;

    public EmbeddingSite Site => _site!;

    public static string RepositoryRoot { get; } = RepositoryFiles.Root;

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _frontend = new WebApplicationFactory<Program>().WithWebHostBuilder(ConfigureFrontend);
        _frontend.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        _frontend.StartServer();
        Port = new Uri(_frontend.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First()).Port;
        _site = await EmbeddingSite.StartAsync(Port);

        await EnsureInstalledAsync(ChromiumPath, "bash", "-c \"apt-get install -y chromium || (apt-get update && apt-get install -y chromium)\"", "/");
        var axeFolder = Path.Combine(RepositoryRoot, "tests", "TenantChat.Tests", "Browser");
        var axePath = Path.Combine(axeFolder, "node_modules", "axe-core", "axe.min.js");
        await EnsureInstalledAsync(axePath, "npm", "ci --no-audit --no-fund", axeFolder);
        AxeSource = await File.ReadAllTextAsync(axePath);

        _playwright = await Playwright.CreateAsync();
        List<string> args = ["--host-resolver-rules=MAP *.test 127.0.0.1"];
        if (Environment.UserName == "root")
        {
            args.Add("--no-sandbox"); // chromium refuses to run its sandbox as root
        }
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true, Args = args });
    }

    /// <summary>The frontend's address for <paramref name="host"/>.</summary>
    public string Url(string host, string path = "/") => $"http://{host}:{Port}{path}";

    public async Task<IPage> NewPageAsync()
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1100, Height = 760 } });
        context.SetDefaultTimeout(15_000);
        return await context.NewPageAsync();
    }

    /// <summary>
    /// Saves what the page shows to <c>docs/images/NAME.png</c>, for the README. What differs from run to run
    /// whatever the test did (times and dates, and whatever <paramref name="alsoMask"/> selects) is painted over, and
    /// an image that differs from the saved one only by antialiasing (no channel of any pixel off by more than 3) is
    /// not written: a re-run with nothing changed leaves the files as they are.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name, params string[] alsoMask)
    {
        var image = await page.ScreenshotAsync(new()
        {
            FullPage = true,
            Mask = [page.Locator("time"), page.Locator("svg .cn-label"), .. alsoMask.Select(selector => page.Locator(selector))],
            MaskColor = "#cbd2d9",
            Animations = ScreenshotAnimations.Disabled,
        });
        var path = Path.Combine(RepositoryRoot, "docs", "images", name + ".png");
        if (File.Exists(path) && await LookAlikeAsync(page.Context, await File.ReadAllBytesAsync(path), image))
        {
            return;
        }
        await File.WriteAllBytesAsync(path, image);
    }

    /// <summary>Whether two PNGs have the same size and pixels within 3 per channel, decoded by the browser itself.</summary>
    private static async Task<bool> LookAlikeAsync(IBrowserContext context, byte[] saved, byte[] taken)
    {
        var blank = await context.NewPageAsync(); // about:blank: no page CSP in the way of data: images
        try
        {
            return await blank.EvaluateAsync<bool>("""
                async ([first, second]) => {
                  const pixels = async (base64) => {
                    const image = new Image();
                    image.src = 'data:image/png;base64,' + base64;
                    await image.decode();
                    const canvas = document.createElement('canvas');
                    canvas.width = image.width;
                    canvas.height = image.height;
                    const context = canvas.getContext('2d');
                    context.drawImage(image, 0, 0);
                    return context.getImageData(0, 0, image.width, image.height);
                  };
                  const a = await pixels(first), b = await pixels(second);
                  if (a.width !== b.width || a.height !== b.height) return false;
                  for (let i = 0; i < a.data.length; i++) if (Math.abs(a.data[i] - b.data[i]) > 3) return false;
                  return true;
                }
                """, new[] { Convert.ToBase64String(saved), Convert.ToBase64String(taken) });
        }
        finally
        {
            await blank.CloseAsync();
        }
    }

    public new async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
        if (_site is not null)
        {
            await _site.DisposeAsync();
        }
        if (_frontend is not null)
        {
            await _frontend.DisposeAsync();
        }
        await base.DisposeAsync();
    }

    private static async Task EnsureInstalledAsync(string path, string command, string arguments, string workingDirectory)
    {
        if (File.Exists(path))
        {
            return;
        }
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { WorkingDirectory = workingDirectory })!;
        await process.WaitForExitAsync();
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing and `{command} {arguments}` did not install it (exit {process.ExitCode}).");
        }
    }

}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
