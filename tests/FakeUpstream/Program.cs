using System.Globalization;

namespace TenantChat.Fakes;

/// <summary>
/// <c>dotnet TenantChat.FakeUpstream.dll --urls http://127.0.0.1:9000 [--delay-ms 200]</c>: the fake text API as a
/// process, for the fault suite and the benchmarks.
/// </summary>
internal static class Program
{
    private static async Task Main(string[] args)
    {
        await using var fake = await FakeUpstream.StartAsync(Option(args, "--urls") ?? "http://127.0.0.1:9000");
        fake.RecordCalls = false;
        fake.DefaultDelayMs = int.Parse(Option(args, "--delay-ms") ?? "0", CultureInfo.InvariantCulture);
        Console.WriteLine($"fake upstream listening: {fake.BaseUrl}");
        var stop = new TaskCompletionSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.TrySetResult();
        };
        using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                stop.TrySetResult();
            });
        await stop.Task;
    }

    private static string? Option(string[] args, string name) => args.SkipWhile(arg => arg != name).Skip(1).FirstOrDefault();
}
