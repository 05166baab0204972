using System.Diagnostics;

namespace TenantChat.FaultSuite;

/// <summary>
/// Asks the harness to break and mend things: the control script that scripts/fault-suite.sh wrote knows every
/// process's command, log, readiness URL and pid, and the database's folder and port.
/// </summary>
public sealed class ClusterControl(string script)
{
    /// <summary><c>kill -9</c> of a service; returns when the process is gone.</summary>
    public Task KillAsync(string service) => RunAsync(TimeSpan.FromSeconds(20), "kill", service);

    /// <summary>
    /// SIGTERM to a service, as an orchestrator stops it; returns when the process has exited, and fails if it had
    /// to be killed after 60 s.
    /// </summary>
    public Task TerminateAsync(string service) => RunAsync(TimeSpan.FromSeconds(75), "term", service);

    /// <summary>Starts a service as a new process and waits for its <c>/health/ready</c>.</summary>
    public Task StartAsync(string service) => RunAsync(TimeSpan.FromSeconds(120), "start", service);

    /// <summary><c>pg_ctl stop -m fast</c>.</summary>
    public Task StopDatabaseAsync() => RunAsync(TimeSpan.FromSeconds(60), "pg-stop");

    /// <summary>Starts PostgreSQL again on the same port and data folder.</summary>
    public Task StartDatabaseAsync() => RunAsync(TimeSpan.FromSeconds(60), "pg-start");

    /// <summary>Every service the harness started, with the pid of its current process and whether that process runs.</summary>
    public async Task<IReadOnlyList<ServiceProcess>> ProcessesAsync()
    {
        var output = await RunAsync(TimeSpan.FromSeconds(10), "processes");
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line.Split(' ')).Select(fields =>
            new ServiceProcess(fields[0], int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), fields[2] == "running"))];
    }

    public async Task<int> PidAsync(string service) => (await ProcessesAsync()).Single(process => process.Name == service).Pid;

    private async Task<string> RunAsync(TimeSpan timeout, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not run the control script");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"control {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds:0} s");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"control {string.Join(' ', arguments)} failed ({process.ExitCode}): {(await errors).Trim()}");
        }
        return await output;
    }
}

/// <summary>A service's current process as the harness recorded it.</summary>
public sealed record class ServiceProcess(string Name, int Pid, bool Running);
